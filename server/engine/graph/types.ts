// Element types and static shapes: the vocabulary every other graph module speaks.

export type FloatType = "float32" | "float64" | "float16";
export type DType = FloatType | "int64" | "int32" | "uint32" | "uint8" | "bool";
export type Shape = readonly number[];

/** Typed array holding the elements of one dtype (int64 as BigInt64Array, float16 as raw Uint16Array). */
export type TensorData =
  Float32Array | Float64Array | BigInt64Array | Int32Array | Uint32Array | Uint8Array | Uint16Array;

export const FLOAT_TYPES: readonly DType[] = ["float32", "float64", "float16"];
export const isFloat = (t: DType): t is FloatType => FLOAT_TYPES.includes(t);

/** ONNX TensorProto.DataType codes. */
export const ONNX_DTYPE: Record<DType, number> = {
  float32: 1,
  uint8: 2,
  int32: 6,
  int64: 7,
  bool: 9,
  uint32: 12,
  float16: 10,
  float64: 11,
};

export const BYTES_PER_ELEMENT: Record<DType, number> = {
  float32: 4,
  float64: 8,
  float16: 2,
  int64: 8,
  int32: 4,
  uint32: 4,
  uint8: 1,
  bool: 1,
};

export const sizeOf = (shape: Shape): number => shape.reduce((a, b) => a * b, 1);
export const shapeStr = (shape: Shape): string => `[${shape.join(",")}]`;
export const sameShape = (a: Shape, b: Shape): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/** Allocates a typed array of `n` elements of `dtype`. */
export function allocate(dtype: DType, n: number): TensorData {
  switch (dtype) {
    case "float32":
      return new Float32Array(n);
    case "float64":
      return new Float64Array(n);
    case "float16":
      return new Uint16Array(n);
    case "int64":
      return new BigInt64Array(n);
    case "int32":
      return new Int32Array(n);
    case "uint32":
      return new Uint32Array(n);
    case "uint8":
    case "bool":
      return new Uint8Array(n);
  }
}

/** Fills a typed array of `dtype` from plain numbers (float16 values are encoded to their bits). */
export function fromNumbers(dtype: DType, values: ArrayLike<number>): TensorData {
  const out = allocate(dtype, values.length);
  if (out instanceof BigInt64Array)
    for (let i = 0; i < values.length; i++) out[i] = BigInt(Math.trunc(values[i]));
  else if (dtype === "bool") for (let i = 0; i < values.length; i++) out[i] = values[i] ? 1 : 0;
  else if (dtype === "float16") for (let i = 0; i < values.length; i++) out[i] = toHalf(values[i]);
  else out.set(values);
  return out;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE half-precision bits of `x` (round to nearest even), for float16 constants on CUDA. */
export function toHalf(x: number): number {
  f32[0] = x;
  const b = u32[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  const mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = m & ((1 << shift) - 1);
    let h = m >>> shift;
    if (rest > half || (rest === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++;
  return sign | h;
}

/** Reads element `i` of a typed array as a number. */
export const elementAt = (data: TensorData, i: number): number => Number(data[i]);

/** Resolves a possibly negative axis against `rank`, throwing with `where` in the message. */
export function normAxis(axis: number, rank: number, where: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank)
    throw new Error(`${where}: axis ${axis} out of range for rank ${rank}`);
  return a;
}

/** Numpy-style broadcast of shapes, or undefined when they do not broadcast. */
export function broadcastShapes(...shapes: Shape[]): number[] | undefined {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let d = 1;
    for (const s of shapes) {
      const k = s.length - rank + i;
      const e = k >= 0 ? s[k] : 1;
      if (e === 1) continue;
      if (d !== 1 && d !== e) return undefined;
      d = e;
    }
    out.push(d);
  }
  return out;
}
