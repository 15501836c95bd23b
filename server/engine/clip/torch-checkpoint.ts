/**
 * Reads a PyTorch checkpoint zip — OpenAI's CLIP release files (`torch.jit.save` archives, as
 * `clip.load` caches them) or a `torch.save` state dict — into float32 tensors by parameter name
 * (`visual.conv1.weight`, `transformer.resblocks.0.attn.in_proj_weight`, …). Scripted modules are
 * flattened by attribute path, so both layouts give the names `model.state_dict()` would.
 */
import { unpickle, type PickleValue, type PickledObject, type PickledTensor } from "./pickle";
import { halfToFloat, type F32Tensor } from "./safetensors";
import { readZip, type ZipEntry } from "./zip";

const BYTES = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  float64: 8,
  int64: 8,
  int32: 4,
  bool: 1,
  uint8: 1,
};

export function readTorchCheckpoint(
  bytes: Uint8Array,
  what = "checkpoint",
): Map<string, F32Tensor> {
  const entries = readZip(bytes, what);
  const pkl = [...entries.keys()].find((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (!pkl) throw new Error(`${what}: no '<archive>/data.pkl' in the zip`);
  const prefix = pkl.slice(0, -"data.pkl".length);
  const root = unpickle(entries.get(pkl)!.data, `${what}: ${pkl}`);
  const tensors = new Map<string, F32Tensor>();
  collect(root, "", (name, t) => {
    if (t.storage.dtype === "int64" || t.storage.dtype === "int32" || t.storage.dtype === "bool")
      return; // counters
    const storage = entries.get(`${prefix}data/${t.storage.key}`);
    if (!storage)
      throw new Error(`${what}: tensor '${name}' names missing storage ${t.storage.key}`);
    tensors.set(name, toFloat32(t, storage, `${what}: tensor '${name}'`));
  });
  if (tensors.size === 0) throw new Error(`${what}: no float tensors found`);
  return tensors;
}

function collect(
  v: PickleValue,
  path: string,
  out: (name: string, t: PickledTensor) => void,
): void {
  const join = (k: string) => (path ? `${path}.${k}` : k);
  if (v instanceof Map) {
    for (const [k, child] of v) if (typeof k === "string") collect(child, join(k), out);
  } else if (v !== null && typeof v === "object" && "kind" in v) {
    if (v.kind === "tensor") out(path, v);
    else if (v.kind === "object") collect((v as PickledObject).state, path, out);
  }
}

function toFloat32(t: PickledTensor, storage: ZipEntry, what: string): F32Tensor {
  const size = t.shape.reduce((a, b) => a * b, 1);
  const width = BYTES[t.storage.dtype];
  const view = new DataView(storage.data.buffer, storage.data.byteOffset, storage.data.byteLength);
  const read: (i: number) => number = {
    float32: (i: number) => view.getFloat32(i * 4, true),
    float16: (i: number) => halfToFloat(view.getUint16(i * 2, true)),
    bfloat16: (i: number) => {
      const f = new Float32Array(new Uint32Array([view.getUint16(i * 2, true) << 16]).buffer);
      return f[0]!;
    },
    float64: (i: number) => view.getFloat64(i * 8, true),
    int64: () => 0,
    int32: () => 0,
    bool: () => 0,
    uint8: () => 0,
  }[t.storage.dtype];
  const data = new Float32Array(size);
  const rank = t.shape.length;
  if (contiguous(t) && (t.offset + size) * width <= storage.data.byteLength) {
    // The common case, element by element without the index arithmetic (RN50x64 has 420M weights).
    for (let i = 0; i < size; i++) data[i] = read(t.offset + i);
    return { shape: t.shape, data };
  }
  const index = new Array<number>(rank).fill(0);
  for (let i = 0; i < size; i++) {
    let at = t.offset;
    for (let d = 0; d < rank; d++) at += index[d]! * t.stride[d]!;
    if ((at + 1) * width > storage.data.byteLength)
      throw new Error(`${what}: reads past its storage`);
    data[i] = read(at);
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d]! < t.shape[d]!) break;
      index[d] = 0;
    }
  }
  return { shape: t.shape, data };
}

function contiguous(t: PickledTensor): boolean {
  let expected = 1;
  for (let d = t.shape.length - 1; d >= 0; d--) {
    if (t.shape[d]! !== 1 && t.stride[d]! !== expected) return false;
    expected *= t.shape[d]!;
  }
  return true;
}
