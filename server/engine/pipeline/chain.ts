// Builds a chain of transforms on an image: pixel transforms one by one, runs of index transforms fused
// into one gather (see coords.ts). Used by the target views and by post-processing.
import type { Value } from "../graph";
import type { Fragments } from "./context";
import { gather, outputCoords } from "./coords";
import { transformModule } from "./registry";
import { addendValue } from "./transforms/noise";
import type { Addend, Coords, IndexTransform, Size, Step } from "./types";
import type { TransformName } from "../../../lib/experiment/params";

/** Graph scope (and input name prefix) of chain step `i`: `3.random_rotate`. */
export const stepScope = (i: number, name: string) => `${i}.${name}`;

/**
 * Applies `steps` to `x`; step `i` feeds from owner `ownerOffset + i`. A run of consecutive index
 * transforms ends after a stage that paints (pad `fill`): its colour belongs to the run's output.
 */
export function applyChain(
  frags: Fragments,
  x: Value,
  steps: readonly Step<TransformName>[],
  ownerOffset = 0,
  scope = "",
): Value {
  const { g } = frags;
  let image = x;
  // Addends (noise) waiting for the pixel moves that follow them: gather(x + n) = gather(x) + gather(n),
  // so the image is gathered alone (one copy, not one per view, in the gradient too) and the addend is
  // gathered and scaled at the moved size. Exactly the same numbers; far less work when the moves shrink.
  let pending: Addend[] = [];
  const flush = () => {
    for (const a of pending) image = g.Add(image, addendValue(g, a));
    pending = [];
  };
  const skip = elidedClamps(steps);
  const after = (i: number) => steps.filter((_, j) => j > i && !skip[j]);
  let i = 0;
  while (i < steps.length) {
    if (skip[i]) {
      i++;
      continue;
    }
    const m = transformModule(steps[i].name);
    if (m.kind === "pixel") {
      const { params } = steps[i];
      const input = image;
      const rest = after(i);
      const next = rest[0] && transformModule(rest[0].name);
      const addend = m.addend;
      if (addend && next?.kind === "index" && shrinks(rest, [input.shape[2], input.shape[3]])) {
        pending.push(
          frags.build(ownerOffset + i, scope + stepScope(i, m.name), params, (ctx) =>
            addend(input, ctx),
          ),
        );
        i++;
        continue;
      }
      flush();
      image = frags.build(ownerOffset + i, scope + stepScope(i, m.name), params, (ctx) =>
        m.build(image, ctx),
      );
      i++;
      continue;
    }
    const run: IndexTransform[] = [];
    /** Chain index of each run stage (elided clamps between them are passed over). */
    const at: number[] = [];
    const sizes: Size[] = [[image.shape[2], image.shape[3]]];
    let end = i;
    for (let j = i; j < steps.length; j++) {
      end = j + 1;
      if (skip[j]) continue;
      const next = transformModule(steps[j].name);
      if (next.kind !== "index") {
        end = j;
        break;
      }
      run.push(next);
      at.push(j);
      sizes.push(next.size(sizes[sizes.length - 1], steps[j].params));
      if (next.fills?.(steps[j].params)) break;
    }
    const out = sizes[run.length];
    const declared = frags.inputs.length;
    let c: Coords = outputCoords(g, out);
    let paint: Pick<Coords, "fill" | "outside"> = {};
    for (let k = run.length - 1; k >= 0; k--) {
      const step = steps[at[k]];
      const stage = run[k];
      const from = c;
      c = frags.build(
        ownerOffset + at[k],
        scope + stepScope(at[k], stage.name),
        step.params,
        (ctx) => stage.map(from, sizes[k], ctx),
      );
      if (c.fill) {
        paint = { fill: c.fill, outside: c.outside };
        c = { x: c.x, y: c.y, valid: c.valid };
      }
    }
    // The run was mapped last stage first; feed it in chain order, so random draws follow the steps.
    const added = frags.inputs.splice(declared).sort((a, b) => a.owner - b.owner);
    frags.inputs.push(...added);
    const source = image;
    const names = run.map((s) => s.name).join("+");
    const moved = c;
    image = g.scope(`${frags.options.prefix}${scope}${i}.gather(${names})`, () =>
      gather(g, source, { ...moved, ...paint }, out, pending),
    );
    pending = [];
    i = end;
  }
  flush();
  return image;
}

/**
 * CLIPig's hidden item clamps (`item_clamp`) that change nothing: one followed only by pixel moves
 * up to the next item clamp. A clamp commutes with moving pixels, and a colour painted in between
 * is clamped by its own item's clamp, so `C·moves·C = moves·C`; the moves stay one fused gather.
 */
function elidedClamps(steps: readonly Step<TransformName>[]): boolean[] {
  const isItemClamp = (s: Step) => s.name === "clamp" && s.params.item_clamp === true;
  return steps.map((s, i) => {
    if (!isItemClamp(s)) return false;
    for (let j = i + 1; j < steps.length; j++) {
      if (isItemClamp(steps[j])) return true;
      if (transformModule(steps[j].name).kind !== "index") return false;
    }
    return false;
  });
}

/** Whether the run of index transforms that `steps` starts with ends no larger than `size` (then deferring an addend saves work). */
function shrinks(steps: readonly Step<TransformName>[], size: Size): boolean {
  let s = size;
  for (const step of steps) {
    const m = transformModule(step.name);
    if (m.kind !== "index") break;
    s = m.size(s, step.params);
    if (m.fills?.(step.params)) break;
  }
  return s[0] * s[1] <= size[0] * size[1];
}

/** What of `steps` is baked into the graph; the graph must be rebuilt when it changes. */
export const chainStructure = (steps: readonly Step<TransformName>[]): unknown[] =>
  steps.map((s) => [s.name, transformModule(s.name).structure(s.params)]);
