// Wrap-around translations (shift, random_shift: defgsus/clipig src/transforms.py:707-797): the
// content rolls right by x and down by y, so the
// image tiles seamlessly. Offsets are fed per view; the roll is a coordinate map.
import { TRANSFORMS } from "../../../../lib/experiment/params";
import { column, mod } from "../coords";
import { nums, perView, pyMod, trunc } from "../read";
import type { IndexTransform, Size, Values } from "../types";
import type { Rng } from "../rng";

/** Pixels to roll along an axis of `size`: |v| < 1 is a fraction of it; truncated, then Python-mod. */
export const shiftPixels = (v: number, size: number): number =>
  pyMod(trunc(Math.abs(v) < 1 ? v * size : v), size);

/** The roll as a coordinate map: out[y', x'] = in[(y' − y) mod H, (x' − x) mod W]. */
function roll(
  name: "shift" | "random_shift",
  offsets: (p: Values, rng: Rng) => number[],
): IndexTransform {
  return {
    kind: "index",
    name,
    spec: TRANSFORMS[name],
    structure: () => null,
    size: (input) => input,
    map: (c, [H, W]: Size, { g, batch, input }) => {
      const at = input(
        "offset",
        [batch, 2],
        perView(2, (p, rng) => {
          const [x, y] = offsets(p, rng);
          return [shiftPixels(x, W), shiftPixels(y, H)];
        }),
        "coords",
      );
      return {
        x: mod(g, g.Sub(c.x, column(g, at, 0)), W),
        y: mod(g, g.Sub(c.y, column(g, at, 1)), H),
        valid: c.valid,
      };
    },
  };
}

export const shift = roll("shift", (p) => nums(p, "offset", 2));

/** `random_shift`: 2 numbers `[min, max]` for both axes, or `[min_x, max_x, min_y, max_y]`. */
export const randomShift = roll("random_shift", (p, rng) => {
  const v = p.offset;
  const r =
    Array.isArray(v) && v.length === 4
      ? nums(p, "offset", 4)
      : [...nums(p, "offset", 2), ...nums(p, "offset", 2)];
  return [rng.uniform(r[0], r[1]), rng.uniform(r[2], r[3])];
});
