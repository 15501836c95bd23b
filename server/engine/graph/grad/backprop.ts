// Reverse-mode autodiff over a built graph: appends backward nodes and returns d(loss)/d(each of `wrt`).
// Op-agnostic: every op-specific line lives in rules.ts.
import type { Graph } from "../builder";
import type { Node, Value } from "../graph";
import { isFloat, sameShape, shapeStr } from "../types";
import { context } from "./context";
import { NO_GRADIENT, RULES, type Rule } from "./rules";

export interface GradOptions {
  /** Gradient of the loss to start from (default ones: loss is usually a scalar). */
  seed?: Value;
  /** Rule table override (tests, experiments); defaults to rules.ts. */
  rules?: Readonly<Record<string, Rule>>;
}

/**
 * Appends the backward pass of `loss` to `g` and returns d(loss)/d(each of `wrt`), same shapes. Only nodes on a
 * path from `wrt` to `loss` are differentiated; constants (weights) get no gradient. Nodes are named
 * `<scope>/grad/<forward node>/<Op>_<n>`.
 */
export function grad(
  g: Graph,
  loss: Value,
  wrt: readonly Value[],
  { seed, rules = RULES }: GradOptions = {},
): Value[] {
  // Float values that depend on `wrt` (forward), then the nodes that also lead to `loss` (backward).
  const reach = new Set<Value>(wrt);
  for (const n of g.nodes)
    if (!NO_GRADIENT.has(n.op) && n.inputs.some((v) => v && reach.has(v)))
      n.outputs.forEach((o) => isFloat(o.dtype) && reach.add(o));
  const needed = new Set<Value>([loss]);
  const path: Node[] = [];
  for (const n of [...g.nodes].reverse()) {
    if (!n.outputs.some((o) => needed.has(o) && reach.has(o))) continue;
    path.push(n);
    n.inputs.forEach((v) => v && reach.has(v) && needed.add(v));
  }

  const grads = new Map<Value, Value>([
    [
      loss,
      seed ?? (loss.rank ? g.ConstantOfShape(loss.shape, 1, loss.dtype) : g.scalar(1, loss.dtype)),
    ],
  ]);
  for (const node of path) {
    const dys = node.outputs.map((o) => grads.get(o) ?? null);
    if (dys.every((d) => d === null)) continue;
    const rule = rules[node.op];
    if (!rule) throw new Error(`grad: no gradient rule for op ${node.op} (node "${node.name}")`);
    g.scope(`grad/${node.name}`, () => {
      const results = rule(context(g, node, dys, reach));
      if (results.length !== node.inputs.length)
        throw new Error(
          `grad: rule for ${node.op} gave ${results.length} gradients for ${node.inputs.length} inputs (node "${node.name}")`,
        );
      results.forEach((r, i) => {
        const x = node.inputs[i];
        if (!x || !reach.has(x)) return;
        const dx = typeof r === "function" ? r() : r;
        if (!dx)
          throw new Error(
            `grad: rule for ${node.op} gives no gradient for input ${i}, which needs one (node "${node.name}")`,
          );
        if (!sameShape(dx.shape, x.shape) || dx.dtype !== x.dtype)
          throw new Error(
            `grad: rule for ${node.op} gave ${dx.dtype}${shapeStr(dx.shape)} for input ${x} (node "${node.name}")`,
          );
        const prev = grads.get(x);
        grads.set(x, prev ? g.Add(prev, dx) : dx);
      });
    });
  }
  return wrt.map((v) => grads.get(v) ?? g.ConstantOfShape(v.shape, 0, v.dtype));
}
