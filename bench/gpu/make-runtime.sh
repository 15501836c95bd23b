#!/bin/bash
# Builds .gpu/runtime/ under the current folder (bench/gpu/prepare.sh calls it from the repository
# root): everything a GPU machine without Node.js or network needs to run the bundled engine on
# CUDA. That is a stripped Node.js binary, onnxruntime-node 1.29.0, and a CUDA 13 execution provider
# built for that onnxruntime (npm package com.github.asus4.onnxruntime.linux-x64-gpu 0.4.9) with its
# GPU code cut down to Hopper (sm_90) by prune-cuda-provider.py. About 44 MB, cached in
# ~/.cache/clipig-gpu (or $CLIPIG_GPU_CACHE). Also copies run.sh, the launcher, to .gpu/run.sh.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
C=${CLIPIG_GPU_CACHE:-$HOME/.cache/clipig-gpu}
mkdir -p "$C" .gpu/runtime
if [ ! -f "$C/node.xz" ]; then
  echo "packing node $(node --version)"
  cp "$(command -v node)" "$C/node" && strip "$C/node" && xz -T2 -9 -f "$C/node"
fi
if [ ! -f "$C/ort.tar.xz" ]; then
  echo "packing onnxruntime-node 1.29.0"
  W=$(mktemp -d); (cd "$W" && npm pack -q onnxruntime-node@1.29.0 onnxruntime-common@1.29.0 >/dev/null)
  mkdir -p "$W/nm/onnxruntime-node" "$W/nm/onnxruntime-common"
  tar xzf "$W"/onnxruntime-node-1.29.0.tgz -C "$W/nm/onnxruntime-node" --strip-components=1 \
    --exclude='*/bin/napi-v6/win32' --exclude='*/bin/napi-v6/darwin' --exclude='*/bin/napi-v6/linux/arm64'
  tar xzf "$W"/onnxruntime-common-1.29.0.tgz -C "$W/nm/onnxruntime-common" --strip-components=1
  tar cJf "$C/ort.tar.xz" -C "$W/nm" onnxruntime-node onnxruntime-common; rm -rf "$W"
fi
if [ ! -f "$C/prov.xz" ]; then
  echo "packing the CUDA provider (pruning takes a few seconds, compressing about 20 s)"
  W=$(mktemp -d); (cd "$W" && npm pack -q com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9 >/dev/null && tar xzf ./*.tgz)
  L=$W/package/Plugins/Linux/x64
  python3 "$HERE/prune-cuda-provider.py" "$L/libonnxruntime_providers_cuda.so" "$W/cuda.so" 90
  xz -T2 -9 -c "$W/cuda.so" > "$C/prov.xz"; cp "$L/libonnxruntime_providers_shared.so" "$C/"; rm -rf "$W"
fi
cp "$C/node.xz" "$C/ort.tar.xz" "$C/prov.xz" "$C/libonnxruntime_providers_shared.so" .gpu/runtime/
cp "$HERE/run.sh" .gpu/run.sh
du -sh .gpu
