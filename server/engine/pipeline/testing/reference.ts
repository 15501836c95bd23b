// Plain-JS loops of the transform and constraint formulas, written independently of the graph code,
// for tests only.
// An image is `[3, h, w]` row-major in a Float64Array.
import type { Rng } from "../rng";

export interface Img {
  h: number;
  w: number;
  d: Float64Array;
}

export const img = (h: number, w: number, f: (c: number, y: number, x: number) => number): Img => {
  const d = new Float64Array(3 * h * w);
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) d[(c * h + y) * w + x] = f(c, y, x);
  return { h, w, d };
};
export const at = (a: Img, c: number, y: number, x: number) => a.d[(c * a.h + y) * a.w + x];
const map = (a: Img, f: (v: number, c: number, y: number, x: number) => number) =>
  img(a.h, a.w, (c, y, x) => f(at(a, c, y, x), c, y, x));
const clamp01 = (v: number) => Math.min(Math.max(v, 0), 1);

export function rhe(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff < 0.5) return f;
  if (diff > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}
const pymod = (a: number, n: number) => ((a % n) + n) % n;

// ---- primitives ---------------------------------------------------------------------------------

function kernel1d(k: number, sigma: number): number[] {
  const w: number[] = [];
  for (let i = 0; i < k; i++) {
    const x = i - (k - 1) / 2;
    w.push(Math.exp(-(x * x) / (2 * sigma * sigma)));
  }
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / s);
}
const defSigma = (k: number) => 0.3 * ((k - 1) * 0.5 - 1) + 0.8;
function mirror(i: number, n: number): number {
  let j = i;
  while (j < 0 || j >= n) j = j < 0 ? -j : 2 * (n - 1) - j;
  return j;
}

/** G(img, kx, ky, sx, sy): a direct 2-D convolution with the outer-product kernel, reflect borders. */
export function gauss(a: Img, kx: number, ky: number, sx: number, sy: number): Img {
  const wx = kernel1d(kx, sx);
  const wy = kernel1d(ky, sy);
  return img(a.h, a.w, (c, y, x) => {
    let s = 0;
    for (let j = 0; j < ky; j++)
      for (let i = 0; i < kx; i++)
        s +=
          wy[j] *
          wx[i] *
          at(a, c, mirror(y + j - (ky - 1) / 2, a.h), mirror(x + i - (kx - 1) / 2, a.w));
    return s;
  });
}

/** The blur transform/constraint's G with CLIPig's kernel-size and sigma handling. */
export function blurG(a: Img, ks: number[], sigma: number[] | null): Img {
  const k = ks.map((v) => Math.max(1, v % 2 === 0 ? v + 1 : v));
  const s = sigma ? sigma.map((v) => Math.max(0.0001, v)) : k.map(defSigma);
  return gauss(a, k[0], k[1], s[0], s[1]);
}

function cubic(x: number): number {
  const A = -0.75;
  const t = Math.abs(x);
  if (t <= 1) return (A + 2) * t ** 3 - (A + 3) * t ** 2 + 1;
  if (t < 2) return A * t ** 3 - 5 * A * t ** 2 + 8 * A * t - 4 * A;
  return 0;
}

/** RS(img, w', h', mode): torchvision's resize, straight from its formulas, 2-D. */
export function resizeRef(a: Img, w2: number, h2: number, mode: "bilinear" | "bicubic"): Img {
  const src = (d: number, n: number, m: number) => (d + 0.5) * (n / m) - 0.5;
  return img(h2, w2, (c, y, x) => {
    if (mode === "bilinear") {
      const sy = Math.max(src(y, a.h, h2), 0);
      const sx = Math.max(src(x, a.w, w2), 0);
      const y0 = Math.floor(sy);
      const x0 = Math.floor(sx);
      const y1 = Math.min(y0 + 1, a.h - 1);
      const x1 = Math.min(x0 + 1, a.w - 1);
      const ly = sy - y0;
      const lx = sx - x0;
      return (
        (1 - ly) * ((1 - lx) * at(a, c, y0, x0) + lx * at(a, c, y0, x1)) +
        ly * ((1 - lx) * at(a, c, y1, x0) + lx * at(a, c, y1, x1))
      );
    }
    const sy = src(y, a.h, h2);
    const sx = src(x, a.w, w2);
    const fy = Math.floor(sy);
    const fx = Math.floor(sx);
    let s = 0;
    for (let j = -1; j <= 2; j++)
      for (let i = -1; i <= 2; i++) {
        const yy = Math.min(Math.max(fy + j, 0), a.h - 1);
        const xx = Math.min(Math.max(fx + i, 0), a.w - 1);
        s += cubic(sy - (fy + j)) * cubic(sx - (fx + i)) * at(a, c, yy, xx);
      }
    return s;
  });
}

/** Inverse warp with nearest sampling: q(p) for each output pixel centre p. */
function warp(a: Img, q: (px: number, py: number) => [number, number]): Img {
  return img(a.h, a.w, (c, y, x) => {
    const [qx, qy] = q(x + 0.5, y + 0.5);
    const sx = rhe(qx - 0.5);
    const sy = rhe(qy - 0.5);
    return sx >= 0 && sx < a.w && sy >= 0 && sy < a.h ? at(a, c, sy, sx) : 0;
  });
}

// ---- transforms ---------------------------------------------------------------------------------

export const ref = {
  blur: (a: Img, p: { kernel_size: number[]; sigma: number[] | null }) =>
    blurG(a, p.kernel_size, p.sigma),
  resize: (a: Img, [w, h]: number[]) => resizeRef(a, w, h, "bilinear"),
  center_crop(a: Img, [ch, cw]: number[]): Img {
    // zero pad where too small, then the centred window
    const pl = cw > a.w ? Math.floor((cw - a.w) / 2) : 0;
    const pr = cw > a.w ? Math.floor((cw - a.w + 1) / 2) : 0;
    const pt = ch > a.h ? Math.floor((ch - a.h) / 2) : 0;
    const pb = ch > a.h ? Math.floor((ch - a.h + 1) / 2) : 0;
    const H2 = a.h + pt + pb;
    const W2 = a.w + pl + pr;
    const padded = img(H2, W2, (c, y, x) =>
      y - pt >= 0 && y - pt < a.h && x - pl >= 0 && x - pl < a.w ? at(a, c, y - pt, x - pl) : 0,
    );
    const top = rhe((H2 - ch) / 2);
    const left = rhe((W2 - cw) / 2);
    return img(ch, cw, (c, y, x) => at(padded, c, y + top, x + left));
  },
  random_crop(a: Img, [ch, cw]: number[], rng: Rng): Img {
    const top = rng.int(0, a.h - ch);
    const left = rng.int(0, a.w - cw);
    return img(ch, cw, (c, y, x) => at(a, c, y + top, x + left));
  },
  crop(a: Img, xywh: number[]): Img {
    const [x0, y0, w, h] = xywh.map((v, i) =>
      Math.trunc(v < 1 ? v * (i % 2 === 0 ? a.w : a.h) : v),
    );
    return img(h, w, (c, y, x) =>
      y + y0 >= 0 && y + y0 < a.h && x + x0 >= 0 && x + x0 < a.w ? at(a, c, y + y0, x + x0) : 0,
    );
  },
  repeat: (a: Img, [cx, cy]: number[]) =>
    img(a.h * cy, a.w * cx, (c, y, x) => at(a, c, y % a.h, x % a.w)),
  pad(a: Img, p: { size: number[]; color: number[]; mode: string }): Img {
    let [sx, sy] = p.size.map((v) => Math.max(0, v));
    if (!["fill", "edge", "wrap"].includes(p.mode)) return a;
    // wrap attaches slices of the image: at most its width/height per side
    if (p.mode === "wrap") [sx, sy] = [Math.min(sx, a.w), Math.min(sy, a.h)];
    // columns first, then rows of the widened image
    const col = (x: number) =>
      p.mode === "edge" ? Math.min(Math.max(x, 0), a.w - 1) : p.mode === "wrap" ? pymod(x, a.w) : x;
    const wide = img(a.h, a.w + 2 * sx, (c, y, x) => {
      const s = col(x - sx);
      return s < 0 || s >= a.w ? p.color[c] : at(a, c, y, s);
    });
    const row = (y: number) =>
      p.mode === "edge" ? Math.min(Math.max(y, 0), a.h - 1) : p.mode === "wrap" ? pymod(y, a.h) : y;
    return img(a.h + 2 * sy, wide.w, (c, y, x) => {
      const s = row(y - sy);
      return s < 0 || s >= a.h ? p.color[c] : at(wide, c, s, x);
    });
  },
  border(a: Img, p: { size: number[]; color: number[] }): Img {
    const out = map(a, (v) => v);
    const s = Math.min(p.size[1], a.h);
    const t = Math.min(p.size[0], a.w);
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < a.h; y++)
        for (let x = 0; x < a.w; x++)
          if (y < s || y >= a.h - s || x < t || x >= a.w - t)
            out.d[(c * a.h + y) * a.w + x] = p.color[c];
    return out;
  },
  /** `z` [3, h, w] standard normals. */
  noise: (a: Img, std: number[], z: ArrayLike<number>) =>
    map(a, (v, c, y, x) => v + z[(c * a.h + y) * a.w + x] * std[c]),
  /** `z` [h, w]. */
  bwnoise: (a: Img, std: number, z: ArrayLike<number>) =>
    map(a, (v, _, y, x) => v + z[y * a.w + x] * std),
  /** `z` [3, rh, rw]. */
  rnoise(a: Img, p: { std: number[]; resolution: number[] }, z: ArrayLike<number>): Img {
    const [rw, rh] = p.resolution;
    const n = resizeRef({ h: rh, w: rw, d: Float64Array.from(z) }, a.w, a.h, "bilinear");
    return map(a, (v, c, y, x) => v + at(n, c, y, x) * p.std[c]);
  },
  edge(a: Img, p: { kernel_size: number[]; sigma: number[] | null; amount: number[] }): Img {
    const [kx, ky] = p.kernel_size;
    const [sx, sy] = p.sigma ?? [defSigma(kx), defSigma(ky)];
    const b = gauss(a, kx, ky, sx, sy);
    return map(a, (v, c, y, x) => clamp01((v - at(b, c, y, x)) * p.amount[c]));
  },
  rotate(a: Img, p: { degree: number; center: number[] }): Img {
    const t = (p.degree * Math.PI) / 180;
    const cx = Math.trunc(p.center[0] * a.w);
    const cy = Math.trunc(p.center[1] * a.h);
    return warp(a, (px, py) => [
      cx + Math.cos(t) * (px - cx) - Math.sin(t) * (py - cy),
      cy + Math.sin(t) * (px - cx) + Math.cos(t) * (py - cy),
    ]);
  },
  random_rotate(a: Img, p: { degree: number[]; center: number[] }, rng: Rng): Img {
    const degree = rng.uniform(p.degree[0], p.degree[1]);
    const cx = rng.uniform(p.center[0], p.center[1]);
    const cy = rng.uniform(p.center[0], p.center[1]);
    return ref.rotate(a, { degree, center: [cx, cy] });
  },
  random_scale(a: Img, [s0, s1]: number[], rng: Rng): Img {
    const s = rng.uniform(s0, s1);
    return warp(a, (px, py) => [a.w / 2 + (px - a.w / 2) / s, a.h / 2 + (py - a.h / 2) / s]);
  },
  random_translate(a: Img, [oa, ob]: number[], rng: Rng): Img {
    const tx = rhe(rng.uniform(-oa * a.w, oa * a.w));
    const ty = rhe(rng.uniform(-ob * a.h, ob * a.h));
    return warp(a, (px, py) => [px - tx, py - ty]);
  },
  shift(a: Img, [ox, oy]: number[]): Img {
    const px = (v: number, n: number) => pymod(Math.trunc(Math.abs(v) < 1 ? v * n : v), n);
    const sx = px(ox, a.w);
    const sy = px(oy, a.h);
    return img(a.h, a.w, (c, y, x) => at(a, c, pymod(y - sy, a.h), pymod(x - sx, a.w)));
  },
  random_shift(a: Img, o: number[], rng: Rng): Img {
    const r = o.length === 4 ? o : [o[0], o[1], o[0], o[1]];
    const x = rng.uniform(r[0], r[1]);
    const y = rng.uniform(r[2], r[3]);
    return ref.shift(a, [x, y]);
  },
  add: (a: Img, col: number[]) => map(a, (v, c) => v + col[c]),
  mul: (a: Img, col: number[]) => map(a, (v, c) => v * col[c]),
  mean(a: Img, m: number[]): Img {
    const avg = [0, 1, 2].map((c) => {
      let s = 0;
      for (let i = 0; i < a.h * a.w; i++) s += a.d[c * a.h * a.w + i];
      return s / (a.h * a.w);
    });
    return map(a, (v, c) => v + (m[c] - avg[c]));
  },
  clamp: (a: Img, [lo, hi]: number[]) => map(a, (v) => Math.min(Math.max(v, lo), hi)),
  quantize: (a: Img, step: number[]) => map(a, (v, c) => Math.floor(v / step[c]) * step[c]),
  saturation: (a: Img, f: number) =>
    map(a, (v, _, y, x) => clamp01(f * v + (1 - f) * grey(a, y, x))),
  contrast(a: Img, f: number): Img {
    let m = 0;
    for (let y = 0; y < a.h; y++) for (let x = 0; x < a.w; x++) m += grey(a, y, x);
    m /= a.h * a.w;
    return map(a, (v) => clamp01(f * v + (1 - f) * m));
  },
};

const grey = (a: Img, y: number, x: number) =>
  0.2989 * at(a, 0, y, x) + 0.587 * at(a, 1, y, x) + 0.114 * at(a, 2, y, x);

// ---- constraints --------------------------------------------------------------------------------

const L = (d: number[], loss: string) =>
  d.reduce((s, v) => s + (loss === "l1" || loss === "mae" ? Math.abs(v) : v * v), 0) / d.length;
const channel = (a: Img, c: number) => Array.from(a.d.subarray(c * a.h * a.w, (c + 1) * a.h * a.w));
const avg = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;

/** Per-channel values v of the above/below constraints. */
export const values = {
  mean: (a: Img) => [0, 1, 2].map((c) => avg(channel(a, c))),
  std: (a: Img) =>
    [0, 1, 2].map((c) => {
      const v = channel(a, c);
      const m = avg(v);
      return Math.sqrt(v.reduce((s, x) => s + (x - m) ** 2, 0) / (v.length - 1));
    }),
  saturation: (a: Img) =>
    [0, 1, 2].map((c) => {
      const diffs: number[] = [];
      for (let y = 0; y < a.h; y++)
        for (let x = 0; x < a.w; x++)
          diffs.push(
            Math.abs((at(a, 0, y, x) + at(a, 1, y, x) + at(a, 2, y, x)) / 3 - at(a, c, y, x)),
          );
      return avg(diffs);
    }),
  edge_mean: (a: Img, p: { kernel_size: number[]; sigma: number[] | null }) => {
    const b = blurG(a, p.kernel_size, p.sigma);
    return [0, 1, 2].map((c) =>
      avg(channel(a, c).map((v, i) => Math.abs(b.d[c * a.h * a.w + i] - v))),
    );
  },
  contrast: (a: Img) => {
    const mus = [0, 1, 2].map((c) => avg(channel(a, c)));
    const fallback = avg(mus);
    return [0, 1, 2].map((c) => {
      const v = channel(a, c);
      const lo = v.filter((x) => x < mus[c]);
      const hi = v.filter((x) => x > mus[c]);
      return (hi.length ? avg(hi) : fallback) - (lo.length ? avg(lo) : fallback);
    });
  },
};

export type ConstraintParams = Record<string, unknown> & { loss: string };

/** A constraint's loss for one view (factor included, weight not); `z` = the noise constraint's normals. */
export function constraintRef(
  name: string,
  a: Img,
  p: ConstraintParams,
  z?: ArrayLike<number>,
): number {
  const bounded = { mean: 100, std: 100, saturation: 100, edge_mean: 100, contrast: 1 } as Record<
    string,
    number
  >;
  if (name in bounded) {
    const v = name === "edge_mean" ? values.edge_mean(a, p as never) : values[name as "mean"](a);
    let loss = 0;
    if (p.above)
      loss += L(
        (p.above as number[]).map((b, c) => b - v[c]),
        p.loss,
      );
    if (p.below)
      loss += L(
        v.map((x, c) => x - (p.below as number[])[c]),
        p.loss,
      );
    return loss * bounded[name];
  }
  const all = Array.from(a.d);
  switch (name) {
    case "blur": {
      const b = blurG(a, p.kernel_size as number[], p.sigma as number[] | null);
      return (
        100 *
        L(
          all.map((v, i) => v - b.d[i]),
          p.loss,
        )
      );
    }
    case "border": {
      const b = ref.border(a, p as never);
      return (
        100 *
        L(
          all.map((v, i) => v - b.d[i]),
          p.loss,
        )
      );
    }
    case "normalize": {
      const n = img(a.h, a.w, (c, y, x) => {
        const v = channel(a, c);
        const lo = Math.min(...v);
        const d = Math.max(...v) - lo || 1;
        const [mn, mx] = [(p.min as number[])[c], (p.max as number[])[c]];
        return mn + ((at(a, c, y, x) - lo) / d) * (mx - mn);
      });
      return (
        10 *
        L(
          all.map((v, i) => v - n.d[i]),
          p.loss,
        )
      );
    }
    case "noise": {
      const std = p.std as number[];
      const n = map(a, (v, c, y, x) => v + std[c] * z![(c * a.h + y) * a.w + x]);
      return (
        100 *
        L(
          all.map((v, i) => v - n.d[i]),
          p.loss,
        )
      );
    }
  }
  throw new Error(`no reference for ${name}`);
}
