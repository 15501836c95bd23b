// Every transform and constraint module, by name (like onnxruntime's gradient registry): one flat list
// each. The parameter table (lib/experiment/params.ts) and these lists name the same things; a test checks it.
import type { ConstraintName, TransformName } from "../../../lib/experiment/params";
import { CONSTRAINT_LIST } from "./constraints";
import { border } from "./transforms/border";
import { add, clamp, contrast, mean, mul, quantize, saturation } from "./transforms/color";
import { centerCrop, crop, randomCrop } from "./transforms/crop";
import { blur, edge } from "./transforms/filter";
import { bwnoise, fnoise, noise, rnoise } from "./transforms/noise";
import { resize } from "./transforms/resize";
import { randomShift, shift } from "./transforms/shift";
import { pad, repeat } from "./transforms/tile";
import { randomRotate, randomScale, randomTranslate, rotate } from "./transforms/warp";
import type { ConstraintModule, TransformModule } from "./types";

const TRANSFORM_LIST: readonly TransformModule[] = [
  blur,
  resize,
  centerCrop,
  randomCrop,
  crop,
  repeat,
  pad,
  border,
  noise,
  bwnoise,
  rnoise,
  fnoise,
  edge,
  rotate,
  randomRotate,
  randomScale,
  randomTranslate,
  shift,
  randomShift,
  add,
  mul,
  mean,
  clamp,
  quantize,
  saturation,
  contrast,
];

export const TRANSFORM_MODULES = Object.fromEntries(
  TRANSFORM_LIST.map((m) => [m.name, m]),
) as Readonly<Record<TransformName, TransformModule>>;
export const CONSTRAINT_MODULES = Object.fromEntries(
  CONSTRAINT_LIST.map((m) => [m.name, m]),
) as Readonly<Record<ConstraintName, ConstraintModule>>;

export function transformModule(name: string): TransformModule {
  const m = (TRANSFORM_MODULES as Record<string, TransformModule | undefined>)[name];
  if (!m) throw new Error(`unknown transform '${name}'`);
  return m;
}

export function constraintModule(name: string): ConstraintModule {
  const m = (CONSTRAINT_MODULES as Record<string, ConstraintModule | undefined>)[name];
  if (!m) throw new Error(`unknown constraint '${name}'`);
  return m;
}
