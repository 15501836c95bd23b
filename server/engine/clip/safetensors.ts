/**
 * Reader for the safetensors format (https://huggingface.co/docs/safetensors): an 8-byte little-endian
 * header length, a JSON header `{name: {dtype, shape, data_offsets}}`, then the raw tensor bytes.
 * Works on bytes only (no file access), so it runs in Node and in the browser alike.
 */

/** Float types `get` converts; integer tensors (e.g. old checkpoints' `position_ids`) are listed but not read. */
export type SafeDType = "F32" | "F16" | "BF16" | "F64";
export type StoredDType =
  | SafeDType
  | "I64"
  | "U64"
  | "I32"
  | "U32"
  | "I16"
  | "U16"
  | "I8"
  | "U8"
  | "BOOL"
  | "F8_E4M3"
  | "F8_E5M2";

export interface TensorInfo {
  dtype: StoredDType;
  shape: number[];
  /** Byte range inside the data section. */
  begin: number;
  end: number;
}

export interface F32Tensor {
  shape: number[];
  data: Float32Array;
}

const BYTES: Record<StoredDType, number> = {
  F32: 4,
  F16: 2,
  BF16: 2,
  F64: 8,
  I64: 8,
  U64: 8,
  I32: 4,
  U32: 4,
  I16: 2,
  U16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
};
const FLOATS: readonly StoredDType[] = ["F32", "F16", "BF16", "F64"];

export class SafeTensors {
  readonly tensors: ReadonlyMap<string, TensorInfo>;
  readonly metadata: Readonly<Record<string, string>>;
  private readonly data: Uint8Array;

  constructor(bytes: Uint8Array) {
    if (bytes.byteLength < 8)
      throw new Error("safetensors: file is shorter than its 8-byte header length");
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const headerLength = Number(view.getBigUint64(0, true));
    if (8 + headerLength > bytes.byteLength) {
      throw new Error(
        `safetensors: header length ${headerLength} exceeds the file size ${bytes.byteLength}`,
      );
    }
    const header: unknown = JSON.parse(
      new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)),
    );
    if (typeof header !== "object" || header === null)
      throw new Error("safetensors: header is not a JSON object");
    this.data = bytes.subarray(8 + headerLength);
    const tensors = new Map<string, TensorInfo>();
    let metadata: Record<string, string> = {};
    for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
      if (name === "__metadata__") {
        metadata = entry as Record<string, string>;
        continue;
      }
      tensors.set(name, parseEntry(name, entry, this.data.byteLength));
    }
    this.tensors = tensors;
    this.metadata = metadata;
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  /** The tensor converted to float32 (a fresh copy; F16/BF16/F64 are widened or narrowed). */
  get(name: string): F32Tensor {
    const info = this.tensors.get(name);
    if (!info) throw new Error(`safetensors: no tensor named '${name}'`);
    if (!FLOATS.includes(info.dtype))
      throw new Error(`safetensors: tensor '${name}' is ${info.dtype}, not a float type`);
    const bytes = this.data.subarray(info.begin, info.end);
    return { shape: [...info.shape], data: toFloat32(bytes, info.dtype as SafeDType) };
  }
}

function parseEntry(name: string, entry: unknown, dataLength: number): TensorInfo {
  const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  if (typeof e.dtype !== "string" || !(e.dtype in BYTES)) {
    throw new Error(`safetensors: tensor '${name}' has unsupported dtype ${String(e.dtype)}`);
  }
  const dtype = e.dtype as StoredDType;
  const shape = e.shape as number[];
  const [begin, end] = e.data_offsets as [number, number];
  const count = shape.reduce((a, b) => a * b, 1);
  if (end - begin !== count * BYTES[dtype] || begin < 0 || end > dataLength) {
    throw new Error(
      `safetensors: tensor '${name}' (${dtype} [${shape.join(", ")}]) has bad offsets ${begin}..${end}`,
    );
  }
  return { dtype, shape, begin, end };
}

function toFloat32(bytes: Uint8Array, dtype: SafeDType): Float32Array {
  const n = bytes.byteLength / BYTES[dtype];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(n);
  switch (dtype) {
    case "F32":
      // Copying the bytes is a memcpy; every platform we run on is little-endian like the format.
      new Uint8Array(out.buffer).set(bytes);
      break;
    case "F64":
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(8 * i, true);
      break;
    case "F16":
      for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
      break;
    case "BF16": {
      // bfloat16 is the top half of a float32.
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = view.getUint16(2 * i, true) << 16;
      break;
    }
  }
  return out;
}

export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** Encodes float32 tensors as a safetensors file (tests, and random-weight models for benchmarks). */
export function writeSafeTensors(tensors: Record<string, F32Tensor>): Uint8Array {
  const header: Record<
    string,
    { dtype: SafeDType; shape: number[]; data_offsets: [number, number] }
  > = {};
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    header[name] = {
      dtype: "F32",
      shape: t.shape,
      data_offsets: [offset, offset + t.data.byteLength],
    };
    offset += t.data.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerBytes = new Uint8Array(json.byteLength + ((8 - (json.byteLength % 8)) % 8)).fill(
    0x20,
  ); // 8-byte aligned data
  headerBytes.set(json);
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.byteLength;
  for (const t of Object.values(tensors)) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}
