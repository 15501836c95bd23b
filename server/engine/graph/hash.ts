// A fast non-cryptographic 64-bit content hash (two 32-bit lanes, murmur-style mixing), usable in the
// browser too: it keys the session cache and the on-disk model cache.

const utf8 = new TextEncoder();

export class Hasher {
  private h1 = 0x811c9dc5;
  private h2 = 0x01000193;
  private n = 0;

  update(bytes: Uint8Array): this {
    let h1 = this.h1;
    let h2 = this.h2;
    const words = bytes.byteLength >> 2;
    const aligned = bytes.byteOffset % 4 === 0;
    const w = aligned ? new Uint32Array(bytes.buffer, bytes.byteOffset, words) : undefined;
    for (let i = 0; i < words; i++) {
      const k = w
        ? w[i]
        : bytes[4 * i] |
          (bytes[4 * i + 1] << 8) |
          (bytes[4 * i + 2] << 16) |
          (bytes[4 * i + 3] << 24);
      h1 = Math.imul(h1 ^ k, 0x9e3779b1);
      h1 = (h1 << 13) | (h1 >>> 19);
      h2 = Math.imul(h2 + k, 0x85ebca77) ^ (h2 >>> 15);
    }
    for (let i = words * 4; i < bytes.byteLength; i++) {
      h1 = Math.imul(h1 ^ bytes[i], 0x9e3779b1);
      h2 = Math.imul(h2 + bytes[i], 0x85ebca77);
    }
    this.h1 = h1;
    this.h2 = h2;
    this.n += bytes.byteLength;
    return this;
  }

  string(s: string): this {
    return this.update(utf8.encode(s)).update(new Uint8Array([0]));
  }

  digest(): string {
    const fin = (h: number, salt: number) => {
      h ^= this.n + salt;
      h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
      h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
      return ((h ^ (h >>> 16)) >>> 0).toString(16).padStart(8, "0");
    };
    return fin(this.h1 ^ Math.imul(this.h2, 0x27d4eb2f), 1) + fin(this.h2 ^ this.h1, 2);
  }
}
