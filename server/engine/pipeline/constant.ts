// Float constants in the graph's float type (float64 in the gradient-check mode, float16 via a Cast).
import type { Graph, Shape, Value } from "../graph";

export function floatConstant(g: Graph, values: ArrayLike<number>, shape: Shape): Value {
  if (g.float === "float64") return g.constant(Float64Array.from(values), shape);
  return g.Cast(g.constant(Float32Array.from(values), shape), g.float);
}
