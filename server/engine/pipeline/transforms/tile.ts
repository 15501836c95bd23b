// Tiling and padding (repeat, pad: defgsus/clipig src/transforms.py:218-324) as coordinate maps:
// repeat wraps coordinates, pad shifts them and
// either paints the new pixels (`fill`), replicates the edge (`edge`) or wraps around (`wrap`).
import { TRANSFORMS } from "../../../../lib/experiment/params";
import { both, inside, mod } from "../coords";
import { nums, perView, str, trunc } from "../read";
import type { IndexTransform, Values } from "../types";

const counts = (p: Values) => nums(p, "count", 2).map(trunc);

export const repeat: IndexTransform = {
  kind: "index",
  name: "repeat",
  spec: TRANSFORMS.repeat,
  structure: counts,
  size: ([H, W], p) => {
    const [cx, cy] = counts(p);
    if (cx < 1 || cy < 1) throw new Error(`repeat: counts must be positive, got [${cx}, ${cy}]`);
    return [H * cy, W * cx];
  },
  map: (c, [H, W], { g }) => ({ x: mod(g, c.x, W), y: mod(g, c.y, H), valid: c.valid }),
};

const PAD_MODES = ["fill", "edge", "wrap"];
/** `[sx, sy]` (negative = 0) and the mode; an unknown mode leaves the image as it is. */
function padding(p: Values): { sx: number; sy: number; mode: string } {
  const [sx, sy] = nums(p, "size", 2).map((v) => Math.max(0, trunc(v)));
  const mode = str(p, "mode");
  return PAD_MODES.includes(mode) ? { sx, sy, mode } : { sx: 0, sy: 0, mode: "none" };
}

/**
 * `padding` on an `[H, W]` image: `wrap` attaches slices of the image (`image[..., -s:]` and
 * `image[..., :s]` in CLIPig, src/transforms.py:311-320), so a side gets at most W columns / H rows.
 */
function paddingOf(p: Values, [H, W]: readonly number[]): { sx: number; sy: number; mode: string } {
  const pd = padding(p);
  return pd.mode === "wrap" ? { ...pd, sx: Math.min(pd.sx, W), sy: Math.min(pd.sy, H) } : pd;
}

export const pad: IndexTransform = {
  kind: "index",
  name: "pad",
  spec: TRANSFORMS.pad,
  structure: padding,
  fills: (p) => padding(p).mode === "fill",
  size: ([H, W], p) => {
    const { sx, sy } = paddingOf(p, [H, W]);
    return [H + 2 * sy, W + 2 * sx];
  },
  map: (c, [H, W], { g, params, batch, input }) => {
    const { sx, sy, mode } = paddingOf(params, [H, W]);
    if (mode === "none") return c;
    const x = g.Sub(c.x, sx);
    const y = g.Sub(c.y, sy);
    if (mode === "edge") return { x: g.Clip(x, 0, W - 1), y: g.Clip(y, 0, H - 1), valid: c.valid };
    if (mode === "wrap") return { x: mod(g, x, W), y: mod(g, y, H), valid: c.valid };
    const color = input(
      "color",
      [batch, 3, 1, 1],
      perView(3, (v) => nums(v, "color", 3)),
    );
    const isInside = inside(g, x, y, [H, W]);
    return { x, y, valid: both(g, c.valid, isInside), fill: color, outside: g.Not(isInside) };
  },
};
