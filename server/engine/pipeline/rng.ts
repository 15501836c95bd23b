// A small seeded random source (xoshiro128**, seeded through splitmix32) shared by the pipeline and the
// trainer: every random choice of a run (angles, offsets, crop positions, fed noise) comes from one, so
// a run is reproducible from its seed. Not cryptographic.

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [a, b) (Python's `random.uniform(a, b)` = a + (b − a)·random()). */
  uniform(a: number, b: number): number;
  /** Uniform integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number;
  /** Standard normal N(0, 1). */
  gaussian(): number;
  /** A 32-bit integer, e.g. a seed for a graph's random op or a child generator. */
  uint32(): number;
  /** An independent generator seeded from this one. */
  fork(): Rng;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;

/** A generator for `seed` (any number; its low 32 bits and the rest are mixed in). */
export function createRng(seed: number): Rng {
  const mix = splitmix32(Math.trunc(seed) >>> 0);
  const high = Math.floor(Math.abs(seed) / 4294967296) >>> 0;
  const s = [mix() ^ high, mix(), mix(), mix()].map((v) => v >>> 0);
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1;
  let spare: number | undefined;

  const uint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  };
  // 53 random bits, so every double in [0, 1) on the 2^-53 grid is reachable.
  const next = (): number => ((uint32() >>> 5) * 67108864 + (uint32() >>> 6)) / 9007199254740992;

  const rng: Rng = {
    next,
    uint32,
    uniform: (a, b) => a + (b - a) * next(),
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    gaussian: () => {
      // Box–Muller, both values used.
      if (spare !== undefined) {
        const v = spare;
        spare = undefined;
        return v;
      }
      let u = 0;
      while (u === 0) u = next();
      const r = Math.sqrt(-2 * Math.log(u));
      const phi = 2 * Math.PI * next();
      spare = r * Math.sin(phi);
      return r * Math.cos(phi);
    },
    fork: () => createRng(uint32()),
  };
  return rng;
}
