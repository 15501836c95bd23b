// Crops (center_crop, random_crop, crop: defgsus/clipig src/transforms.py:131-217): windows of the
// image, as coordinate maps. `center_crop` and `random_crop`
// read their size pair as [height, width] (quirk Q7, kept for parity).
import { TRANSFORMS } from "../../../../lib/experiment/params";
import { both, column, inside } from "../coords";
import { nums, perView, roundHalfEven, trunc } from "../read";
import type { IndexTransform, Size, Values } from "../types";

/** The crop size `[h, w]` of center_crop / random_crop (Q7: the pair is [height, width]). */
function cropSize(p: Values): Size {
  const [h, w] = nums(p, "size", 2).map(trunc);
  if (h < 1 || w < 1) throw new Error(`crop size must be positive, got [${h}, ${w}]`);
  return [h, w];
}

export const centerCrop: IndexTransform = {
  kind: "index",
  name: "center_crop",
  spec: TRANSFORMS.center_crop,
  structure: (p) => cropSize(p),
  size: (_, p) => cropSize(p),
  map: (c, [H, W], { g, params }) => {
    const [ch, cw] = cropSize(params);
    // Zero-pad first where the crop is larger, then take the centred window of the padded image.
    const padTop = ch > H ? Math.floor((ch - H) / 2) : 0;
    const padLeft = cw > W ? Math.floor((cw - W) / 2) : 0;
    const top = roundHalfEven((Math.max(H, ch) - ch) / 2) - padTop;
    const left = roundHalfEven((Math.max(W, cw) - cw) / 2) - padLeft;
    const x = g.Add(c.x, left);
    const y = g.Add(c.y, top);
    const padded = ch > H || cw > W;
    return { x, y, valid: padded ? both(g, c.valid, inside(g, x, y, [H, W])) : c.valid };
  },
};

export const randomCrop: IndexTransform = {
  kind: "index",
  name: "random_crop",
  spec: TRANSFORMS.random_crop,
  structure: (p) => cropSize(p),
  size: (_, p) => cropSize(p),
  map: (c, [H, W], { g, params, batch, input }) => {
    const [ch, cw] = cropSize(params);
    if (ch > H || cw > W)
      throw new Error(`random_crop: crop [${ch}, ${cw}] is larger than the image [${H}, ${W}]`);
    const at = input(
      "offset",
      [batch, 2],
      perView(2, (_, rng) => [rng.int(0, H - ch), rng.int(0, W - cw)]),
      "coords",
    );
    return { x: g.Add(c.x, column(g, at, 1)), y: g.Add(c.y, column(g, at, 0)), valid: c.valid };
  },
};

/** `[x, y, w, h]` of `crop`: values < 1 are fractions of the width (x, w) or height (y, h), then truncated. */
function cropWindow(p: Values, [H, W]: Size): number[] {
  return nums(p, "xywh", 4).map((v, i) => trunc(v < 1 ? v * (i % 2 === 0 ? W : H) : v));
}

export const crop: IndexTransform = {
  kind: "index",
  name: "crop",
  spec: TRANSFORMS.crop,
  // The window's size is structural; its position is fed, so a moving window does not rebuild.
  structure: (p) => nums(p, "xywh", 4).slice(2),
  size: (input, p) => {
    const [, , w, h] = cropWindow(p, input);
    if (w < 1 || h < 1) throw new Error(`crop: window size [${w}, ${h}] must be positive`);
    return [h, w];
  },
  map: (c, size, { g, batch, input }) => {
    const at = input(
      "offset",
      [batch, 2],
      perView(2, (p) => cropWindow(p, size).slice(0, 2)),
      "coords",
    );
    const x = g.Add(c.x, column(g, at, 0));
    const y = g.Add(c.y, column(g, at, 1));
    // Parts outside the image are black (modern torchvision pads).
    return { x, y, valid: both(g, c.valid, inside(g, x, y, size)) };
  },
};
