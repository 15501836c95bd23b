// What a chain of transforms will allocate, from its build-time values alone (no graph): the image
// size after each step, and the noise images and blur kernels along the way. The trainer checks
// these against a run's limits before it builds or feeds anything (a view's size is fixed at build).
import { nums, trunc } from "./read";
import { transformModule } from "./registry";
import type { Size, Step, Values } from "./types";

export interface Extent {
  /** Index of the step in its chain. */
  readonly step: number;
  readonly name: string;
  /** What is this big: the view after the step, rnoise's noise image, a blur kernel. */
  readonly what: "view" | "noise image" | "kernel";
  /** `[height, width]`. */
  readonly size: Size;
}

/** The `[ky, kx]` blur kernel of a step's values, when it has one (transforms and constraints). */
export function kernelExtent(p: Values): Size | null {
  if (p.kernel_size == null) return null;
  const [kx, ky] = nums(p, "kernel_size", 2).map((k) => Math.abs(trunc(k)));
  return [ky, kx];
}

/**
 * Every extent of `steps` applied to an image of `input` (`[height, width]`), in chain order. Only
 * `resize` and the index transforms (crops, repeat, pad…) change the size; the rest keep it.
 */
export function chainExtents(steps: readonly Step[], input: Size): Extent[] {
  const out: Extent[] = [];
  let size = input;
  steps.forEach((s, step) => {
    const m = transformModule(s.name);
    const kernel = kernelExtent(s.params);
    if (kernel) out.push({ step, name: s.name, what: "kernel", size: kernel });
    if (s.name === "rnoise") {
      const [rw, rh] = nums(s.params, "resolution", 2).map(trunc);
      out.push({ step, name: s.name, what: "noise image", size: [rh, rw] });
    }
    let next: Size | null = null;
    if (m.kind === "index") next = m.size(size, s.params);
    else if (s.name === "resize") {
      const [w, h] = nums(s.params, "size", 2).map(trunc);
      next = [h, w];
    }
    if (next) {
      size = next;
      out.push({ step, name: s.name, what: "view", size });
    }
  });
  return out;
}
