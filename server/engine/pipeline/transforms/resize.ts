// resize (defgsus/clipig src/transforms.py:107): bilinear to `[w, h]`, as two MatMuls with constant
// weights.
import { TRANSFORMS } from "../../../../lib/experiment/params";
import { nums, trunc } from "../read";
import { resize as resample } from "../resample";
import type { PixelTransform, Values } from "../types";

const target = (p: Values) => {
  const [w, h] = nums(p, "size", 2).map(trunc);
  if (w < 1 || h < 1) throw new Error(`resize: size must be positive, got [${w}, ${h}]`);
  return [w, h];
};

export const resize: PixelTransform = {
  kind: "pixel",
  name: "resize",
  spec: TRANSFORMS.resize,
  structure: target,
  build: (x, { g, params }) => {
    const [w, h] = target(params);
    return resample(g, x, h, w, "bilinear");
  },
};
