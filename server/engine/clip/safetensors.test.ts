import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { SafeTensors, halfToFloat, writeSafeTensors } from "./safetensors";

const TINY = new URL("../../../models/tiny-clip/model.safetensors", import.meta.url);

/** A file with one tensor of the given dtype and raw little-endian bytes. */
function fileWith(dtype: string, shape: number[], bytes: Uint8Array): Uint8Array {
  const header = new TextEncoder().encode(
    JSON.stringify({ t: { dtype, shape, data_offsets: [0, bytes.byteLength] } }),
  );
  const out = new Uint8Array(8 + header.byteLength + bytes.byteLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(header.byteLength), true);
  out.set(header, 8);
  out.set(bytes, 8 + header.byteLength);
  return out;
}

describe("SafeTensors", () => {
  it("reads the tiny CLIP checkpoint's header and tensors", () => {
    const st = new SafeTensors(new Uint8Array(readFileSync(TINY)));
    expect(st.metadata.format).toBe("pt");
    const patch = st.get("vision_model.embeddings.patch_embedding.weight");
    expect(patch.shape).toEqual([64, 3, 32, 32]);
    expect(patch.data.length).toBe(64 * 3 * 32 * 32);
    expect(st.get("logit_scale").shape).toEqual([]);
    expect(Number.isFinite(st.get("logit_scale").data[0])).toBe(true);
    expect(() => st.get("nope")).toThrow(/no tensor named 'nope'/);
  });

  it("round-trips float32 tensors through the writer, including an unaligned header", () => {
    const a = { shape: [2, 3], data: new Float32Array([1, -2, 3.5, 0, 1e-8, -7]) };
    const b = { shape: [1], data: new Float32Array([42]) };
    const st = new SafeTensors(writeSafeTensors({ é: a, b }));
    expect(st.get("é")).toEqual(a);
    expect(st.get("b")).toEqual(b);
  });

  it("widens F16 and BF16 and narrows F64", () => {
    const f16 = new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x3555, 0x0001, 0x7c00]).buffer);
    expect([...new SafeTensors(fileWith("F16", [5], f16)).get("t").data]).toEqual([
      1,
      -2,
      halfToFloat(0x3555),
      2 ** -24,
      Infinity,
    ]);
    expect(halfToFloat(0x3555)).toBeCloseTo(1 / 3, 3);
    const bf16 = new Uint8Array(new Uint16Array([0x3f80, 0xc040, 0x3eaa]).buffer);
    const bf = new SafeTensors(fileWith("BF16", [3], bf16)).get("t").data;
    expect([bf[0], bf[1]]).toEqual([1, -3]);
    expect(bf[2]).toBeCloseTo(1 / 3, 2);
    const f64 = new Uint8Array(new Float64Array([0.1, -5]).buffer);
    expect([...new SafeTensors(fileWith("F64", [2], f64)).get("t").data]).toEqual([
      Math.fround(0.1),
      -5,
    ]);
  });

  it("rejects truncated files and inconsistent offsets", () => {
    expect(() => new SafeTensors(new Uint8Array(4))).toThrow(/shorter/);
    const good = fileWith("F32", [2], new Uint8Array(8));
    expect(() => new SafeTensors(good.subarray(0, good.byteLength - 4))).toThrow(/bad offsets/);
    expect(() => new SafeTensors(fileWith("Q4", [2], new Uint8Array(2)))).toThrow(
      /unsupported dtype Q4/,
    );
    // Integer tensors (old checkpoints' position_ids) are listed, and refused only when read as floats.
    const ints = new SafeTensors(fileWith("I64", [2], new Uint8Array(16)));
    expect(ints.tensors.get("t")?.dtype).toBe("I64");
    expect(() => ints.get("t")).toThrow(/'t' is I64, not a float type/);
  });
});
