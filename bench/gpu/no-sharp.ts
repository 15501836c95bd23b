// Stands in for sharp in the GPU bundles (bench/gpu/prepare.sh): the GPU test machine has no npm
// packages beyond onnxruntime-node, and the benchmarks never decode or encode images.
export default function sharp(): never {
  throw new Error(
    "sharp is not part of the GPU bundle: the benchmarks start from noise, not from image files",
  );
}
