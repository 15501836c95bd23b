#!/bin/bash
# Runs on the GPU machine, from the repository root: bash .gpu/run.sh app/ENTRY.mjs [ARGS...]
# The first call on a machine unpacks .gpu/runtime into a scratch folder ($TMPDIR/clipig-gpu). Each
# call copies .gpu/app/ next to that folder's node_modules, so an ES module bundle resolves
# 'onnxruntime-node' there, puts the CUDA libraries on the library path and starts Node. It prints
# the GPU first and stops early when the CUDA provider misses a library.
set -euo pipefail
R=$(pwd)/.gpu/runtime S=${TMPDIR:-/tmp}/clipig-gpu
B=$S/node_modules/onnxruntime-node/bin/napi-v6/linux/x64
if [ ! -x "$S/node" ]; then
  mkdir -p "$S/node_modules"
  xz -dc "$R/node.xz" > "$S/node.tmp" && chmod +x "$S/node.tmp"
  tar xJf "$R/ort.tar.xz" -C "$S/node_modules"
  xz -dc "$R/prov.xz" > "$B/libonnxruntime_providers_cuda.so"
  cp "$R/libonnxruntime_providers_shared.so" "$B/"
  mv "$S/node.tmp" "$S/node"
fi
rm -rf "$S/app"; cp -r "$(pwd)/.gpu/app" "$S/app"
NV=$(python3 -c "import nvidia; print(list(nvidia.__path__)[0])" 2>/dev/null || true)
LIBS=$( [ -n "$NV" ] && find "$NV" -type d -name lib | tr '\n' ':' || true)
export LD_LIBRARY_PATH="$B:$LIBS/usr/local/cuda/lib64:${LD_LIBRARY_PATH:-}" CUDA_MODULE_LOADING=LAZY
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
if ldd "$B/libonnxruntime_providers_cuda.so" | grep 'not found'; then echo "missing CUDA libraries" >&2; exit 3; fi
cd "$S"
exec "$S/node" "$S/$1" "${@:2}"
