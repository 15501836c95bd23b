#!/bin/bash
# Prepares the one-shot GPU check (see bench/gpu/README.md), here, from any folder: the CUDA runtime in
# .gpu/runtime (bench/gpu/make-runtime.sh, cached in ~/.cache) and the
# benchmarks bundled with esbuild to .gpu/app/{engine,trainer}.mjs (onnxruntime-node stays external: the
# runtime brings its own, with the CUDA provider). Then a smoke run of both bundles on this CPU.
set -euo pipefail
cd "$(dirname "$0")/../.."
git check-ignore -q .gpu/ || { echo "add '/.gpu/' to .gitignore or .git/info/exclude first" >&2; exit 1; }
bash bench/gpu/make-runtime.sh
rm -rf .gpu/app && mkdir -p .gpu/app
for entry in engine trainer; do
  npx esbuild "bench/$entry.ts" --bundle --platform=node --format=esm --target=node20 --log-level=warning \
    --external:onnxruntime-node --alias:sharp=./bench/gpu/no-sharp.ts \
    --banner:js="import{createRequire as __createRequire}from'module';const require=__createRequire(import.meta.url);" \
    --outfile=".gpu/app/$entry.mjs"
done
# Smoke test on the CPU with the project's onnxruntime-node (the bundles resolve it upwards from .gpu/app).
export CLIPIG_ROOT=$(pwd)
node .gpu/app/engine.mjs --devices cpu --models tiny-clip --batches 1 --reps 2 --precisions fp32,fp16 > /dev/null
node .gpu/app/trainer.mjs --devices cpu --models tiny-clip --only 01,09 --epochs 1 --warmup 1 > /dev/null 2>&1
echo "bundles run on the CPU"
size=$(du -sb .gpu | cut -f1)
tree=$(git ls-files -z | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1)
echo ".gpu: $((size / 1048576)) MiB; tracked files: $((tree / 1048576)) MiB (together at most 64 MiB travel)"
[ $((size + tree)) -lt $((64 * 1048576)) ] || { echo "too large to travel" >&2; exit 1; }
