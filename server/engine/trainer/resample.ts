// Resizing planar `[C, H, W]` float images outside the gradient (`RS`, torchvision's resize): used
// for the
// initial pixels, `init.resolution` and resolution changes during training (defgsus/clipig
// src/training.py:368-373).
// Half-pixel centres (align_corners = false), no antialiasing, like torch's `interpolate` then.

export type ResizeMode = "nearest" | "bilinear" | "bicubic";

export interface Planar {
  channels: number;
  width: number;
  height: number;
  data: Float32Array;
}

/** CLIPig's `interpolation` names to resize modes. */
export function interpolationMode(name: string): ResizeMode {
  switch (name) {
    case "nearest":
      return "nearest";
    case "linear":
      return "bilinear";
    case "cubic":
      return "bicubic";
    default:
      // CLIPig's get_interpolation knows only these three names (src/images.py:84-96)
      throw new Error(`Interpolation must be one of 'nearest', 'linear', 'cubic', got '${name}'`);
  }
}

/** Per output index along one axis: source indices and weights (`taps` per index). */
interface AxisPlan {
  taps: number;
  index: Int32Array;
  weight: Float64Array;
}

const A = -0.75;
const cubicNear = (x: number) => ((A + 2) * x - (A + 3)) * x * x + 1;
const cubicFar = (x: number) => ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;

function axisPlan(inSize: number, outSize: number, mode: ResizeMode): AxisPlan {
  const scale = inSize / outSize;
  const taps = mode === "nearest" ? 1 : mode === "bilinear" ? 2 : 4;
  const index = new Int32Array(outSize * taps);
  const weight = new Float64Array(outSize * taps);
  const clampI = (i: number) => Math.min(Math.max(i, 0), inSize - 1);
  for (let d = 0; d < outSize; d++) {
    const o = d * taps;
    if (mode === "nearest") {
      index[o] = Math.min(Math.floor(d * scale), inSize - 1);
      weight[o] = 1;
    } else if (mode === "bilinear") {
      const s = Math.max((d + 0.5) * scale - 0.5, 0);
      const i0 = Math.floor(s);
      const l = s - i0;
      index[o] = clampI(i0);
      index[o + 1] = Math.min(i0 + 1, inSize - 1);
      weight[o] = 1 - l;
      weight[o + 1] = l;
    } else {
      const s = (d + 0.5) * scale - 0.5;
      const i0 = Math.floor(s);
      const t = s - i0;
      const w = [cubicFar(t + 1), cubicNear(t), cubicNear(1 - t), cubicFar(2 - t)];
      for (let k = 0; k < 4; k++) {
        index[o + k] = clampI(i0 - 1 + k);
        weight[o + k] = w[k];
      }
    }
  }
  return { taps, index, weight };
}

/** `RS(img, width, height, mode)`; the same size returns the input unchanged. */
export function resize(img: Planar, width: number, height: number, mode: ResizeMode): Planar {
  if (width === img.width && height === img.height) return img;
  const { channels } = img;
  const px = axisPlan(img.width, width, mode);
  const py = axisPlan(img.height, height, mode);
  // Horizontal pass into [C, H_in, W_out], then vertical into [C, H_out, W_out].
  const mid = new Float64Array(channels * img.height * width);
  for (let c = 0; c < channels; c++)
    for (let y = 0; y < img.height; y++) {
      const row = (c * img.height + y) * img.width;
      const outRow = (c * img.height + y) * width;
      for (let x = 0; x < width; x++) {
        let s = 0;
        for (let k = 0; k < px.taps; k++)
          s += px.weight[x * px.taps + k] * img.data[row + px.index[x * px.taps + k]];
        mid[outRow + x] = s;
      }
    }
  const out = new Float32Array(channels * height * width);
  for (let c = 0; c < channels; c++)
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        let s = 0;
        for (let k = 0; k < py.taps; k++)
          s +=
            py.weight[y * py.taps + k] *
            mid[(c * img.height + py.index[y * py.taps + k]) * width + x];
        out[(c * height + y) * width + x] = s;
      }
  return { channels, width, height, data: out };
}

/** Python's `round`: ties to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Centre crop to `height` rows × `width` columns, zero-padding first where the crop is larger
 * (`center_crop`, defgsus/clipig src/transforms.py:131).
 */
export function centerCrop(img: Planar, width: number, height: number): Planar {
  const padX = Math.max(0, width - img.width);
  const padY = Math.max(0, height - img.height);
  const left0 = Math.floor(padX / 2);
  const top0 = Math.floor(padY / 2);
  const W = img.width + padX;
  const H = img.height + padY;
  const top = roundHalfEven((H - height) / 2);
  const left = roundHalfEven((W - width) / 2);
  const out = new Float32Array(img.channels * width * height);
  for (let c = 0; c < img.channels; c++)
    for (let y = 0; y < height; y++) {
      const sy = y + top - top0;
      if (sy < 0 || sy >= img.height) continue;
      for (let x = 0; x < width; x++) {
        const sx = x + left - left0;
        if (sx >= 0 && sx < img.width)
          out[(c * height + y) * width + x] = img.data[(c * img.height + sy) * img.width + sx];
      }
    }
  return { channels: img.channels, width, height, data: out };
}

/**
 * CLIPig's `resize_crop` (defgsus/clipig src/images.py:51): scale by `max(w, h) / shorter side`
 * (bicubic), then centre-crop to
 * `h` rows × `w` columns (the recommended fix of Q12; the original transposes non-square sizes).
 */
export function resizeCrop(img: Planar, width: number, height: number): Planar {
  if (img.width === width && img.height === height) return img;
  const f = Math.max(width, height) / Math.min(img.width, img.height);
  const scaled = resize(img, Math.trunc(img.width * f), Math.trunc(img.height * f), "bicubic");
  return centerCrop(scaled, width, height);
}
