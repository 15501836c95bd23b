// A minimal protobuf writer: just the wire types ONNX messages use (varint, fixed32, length-delimited).
// Messages are built bottom-up: encode a child with its own Proto, then embed its bytes.

const utf8 = new TextEncoder();

export class Proto {
  private chunks: Uint8Array[] = [];
  private buf = new Uint8Array(256);
  private pos = 0;
  private total = 0;

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length) this.buf = new Uint8Array(Math.max(n, this.buf.length * 2));
  }
  private flush(): void {
    if (this.pos) this.chunks.push(this.buf.slice(0, this.pos));
    this.pos = 0;
  }
  private byte(b: number): void {
    this.buf[this.pos++] = b;
    this.total++;
  }

  /** Unsigned varint; negative numbers become 10-byte two's complement as protobuf int64 requires. */
  private varint(v: number | bigint): void {
    this.room(10);
    let x = BigInt.asUintN(64, BigInt(v));
    if (x < 0x80n) return this.byte(Number(x));
    while (x >= 0x80n) {
      this.byte(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.byte(Number(x));
  }
  private smallVarint(v: number): void {
    this.room(5);
    while (v >= 0x80) {
      this.byte((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    this.byte(v);
  }
  private tag(field: number, wire: number): void {
    this.smallVarint((field << 3) | wire);
  }

  int(field: number, v: number | bigint): this {
    this.tag(field, 0);
    if (typeof v === "number" && v >= 0 && v < 2 ** 31) this.smallVarint(v);
    else this.varint(v);
    return this;
  }
  float(field: number, v: number): this {
    this.tag(field, 5);
    this.room(4);
    new DataView(this.buf.buffer).setFloat32(this.pos, v, true);
    this.pos += 4;
    this.total += 4;
    return this;
  }
  bytes(field: number, data: Uint8Array): this {
    this.tag(field, 2);
    this.smallVarint(data.length);
    if (data.length > 1024) {
      this.flush();
      this.chunks.push(data);
      this.total += data.length;
    } else {
      this.room(data.length);
      this.buf.set(data, this.pos);
      this.pos += data.length;
      this.total += data.length;
    }
    return this;
  }
  string(field: number, s: string): this {
    return this.bytes(field, utf8.encode(s));
  }
  /** Embeds a child message by adopting its chunks (no copy until the outermost finish()). */
  message(field: number, m: Proto): this {
    this.tag(field, 2);
    this.smallVarint(m.total);
    this.flush();
    m.flush();
    for (const c of m.chunks) this.chunks.push(c);
    this.total += m.total;
    return this;
  }
  ints(field: number, vs: readonly (number | bigint)[]): this {
    for (const v of vs) this.int(field, v);
    return this;
  }
  floats(field: number, vs: readonly number[]): this {
    for (const v of vs) this.float(field, v);
    return this;
  }

  get length(): number {
    return this.total;
  }

  finish(): Uint8Array {
    this.flush();
    if (this.chunks.length === 1) return this.chunks[0];
    const out = new Uint8Array(this.total);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    this.chunks = [out];
    return out;
  }
}
