/**
 * Frame times (`start`/`end`, defgsus/clipig src/training.py:778-792): an int is an epoch index, a
 * float a fraction of the
 * training, compared with `t = epoch / max(1, epochs − 1)`. Both bounds are inclusive.
 */
import type { FrameTime } from "./config";

/** Training time `t` of an epoch (0 at the first, exactly 1 at the last). */
export function timeAt(epoch: number, epochs: number): number {
  return epoch / Math.max(1, epochs - 1);
}

/** Whether something with these bounds is active at `epoch` (bounds inclusive). */
export function isActiveAt(
  start: FrameTime,
  end: FrameTime,
  epoch: number,
  epochs: number,
): boolean {
  const t = timeAt(epoch, epochs);
  const before = start.unit === "epoch" ? start.value > epoch : start.value > t;
  const after = end.unit === "epoch" ? end.value < epoch : end.value < t;
  return !before && !after;
}

/**
 * The epoch index a frame time stands for: for a `start` the first epoch not before it, for an
 * `end` the last epoch not after it (may lie outside `0 … epochs − 1`). Agrees with `isActiveAt`.
 */
export function resolveFrameTime(
  value: FrameTime,
  epochs: number,
  bound: "start" | "end" = "start",
): number {
  if (value.unit === "epoch") return value.value;
  const n = Math.max(1, epochs - 1);
  const f = value.value;
  if (Number.isNaN(f)) return bound === "start" ? -Infinity : Infinity; // NaN compares false: never excludes
  if (!Number.isFinite(f * n)) return f > 0 ? Infinity : -Infinity;
  if (bound === "start") {
    let e = Math.ceil(f * n);
    while ((e - 1) / n >= f) e--;
    while (e / n < f) e++;
    return e;
  }
  let e = Math.floor(f * n);
  while ((e + 1) / n <= f) e++;
  while (e / n > f) e--;
  return e;
}
