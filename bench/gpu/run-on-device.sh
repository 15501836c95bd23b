#!/bin/bash
# The one-shot GPU check, on the GPU machine, from the repository root, after bench/gpu/prepare.sh here:
#   run(command: "bash bench/gpu/run-on-device.sh", carry: [".gpu"], timeout_s: 600)
# Both benchmarks on CUDA with CPU fallback disabled (a node without a CUDA kernel fails loudly), in
# fp32 and fp16 (float16 CLIP tower in float32 graphs). JSON results and logs go to $OUT:
#   engine.json   ViT-B/32-shaped and tiny-clip forward / forward+backward, batch 1, 5, 20 (target: batch 20
#                 fwd+bwd <= 8 ms fp32), transferMs, fp16 vs fp32 loss/gradient agreement
#   trainer.json  every walk-through, ms per epoch, graph vs JS share (target: 09 with ViT-B/32 <= 5 ms)
#   trainer-fp16.json  four walk-throughs with ViT-B/32 in fp16
# Each part has its own time limit (about 8 minutes in all) and writes NAME.json.partial as it goes, so
# a failing or cut-off part still leaves what it measured.
set -uo pipefail
OUT=${OUT:-/tmp/clipig-gpu-out}
mkdir -p "$OUT"
export CLIPIG_ROOT=$(pwd)
part() { # name seconds entry args...
  local name=$1 limit=$2
  shift 2
  local t0=$SECONDS
  timeout "$limit" bash .gpu/run.sh "$@" --out "$OUT/$name.json" > "$OUT/$name.log" 2>&1
  echo "$name: exit $? after $((SECONDS - t0)) s"
  [ -f "$OUT/$name.json" ] && rm -f "$OUT/$name.json.partial" # at most 8 files come back
  tail -c 1500 "$OUT/$name.log"; echo
}
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv,noheader
part engine 150 app/engine.mjs --devices cuda --precisions fp32,fp16 --strict --models vit-b-32,tiny-clip --batches 1,5,20 --reps 30
part trainer 240 app/trainer.mjs --devices cuda --precisions fp32 --strict 1 --models vit-b-32,tiny-clip --epochs 15 --warmup 3
part trainer-fp16 100 app/trainer.mjs --devices cuda --precisions fp16 --strict 1 --models vit-b-32 --only 01,05,09,10 --epochs 15 --warmup 3
ls -l "$OUT"
