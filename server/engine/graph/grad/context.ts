// The small vocabulary a gradient rule sees (like ORT's I(i)/O(i)/GO(i)): forward inputs and outputs,
// the incoming gradient, which inputs need a gradient, the node's attributes and constant inputs.
import type { Graph } from "../builder";
import type { Node, Value } from "../graph";
import { attrFloat, attrInt, attrInts, attrStr } from "../shapes";

export interface GradContext {
  readonly g: Graph;
  readonly node: Node;
  /** Gradient of output 0 (zeros if only another output has one). */
  readonly dy: Value;
  /** Gradient of output `i`, zeros if it has none. */
  dyAt(i: number): Value;
  /** Forward input `i`. */
  x(i: number): Value;
  /** Forward output `i` (default 0), reused instead of recomputed. */
  y(i?: number): Value;
  /** Whether input `i` lies on a path from the differentiated inputs. */
  wants(i: number): boolean;
  int(name: string, dflt: number): number;
  float(name: string, dflt: number): number;
  str(name: string, dflt: string): string;
  ints(name: string): readonly number[] | undefined;
  /** Values of a constant int input (axes, pads, starts...), undefined when absent. */
  constInts(i: number): number[] | undefined;
}

/** Per input: a gradient, a thunk computed only when that input wants one, or null (no gradient). */
export type Grad = Value | null | (() => Value);
export type Rule = (c: GradContext) => Grad[];

export function context(
  g: Graph,
  node: Node,
  dys: (Value | null)[],
  reach: Set<Value>,
): GradContext {
  const zeros = (i: number) => g.ConstantOfShape(node.outputs[i].shape, 0, node.outputs[i].dtype);
  return {
    g,
    node,
    get dy() {
      return dys[0] ?? zeros(0);
    },
    dyAt: (i) => dys[i] ?? zeros(i),
    x: (i) => node.inputs[i] ?? fail(node, `input ${i} is missing`),
    y: (i = 0) => node.outputs[i],
    wants: (i) => node.inputs[i] != null && reach.has(node.inputs[i]!),
    int: (name, dflt) => attrInt(node.attrs, name, dflt),
    float: (name, dflt) => attrFloat(node.attrs, name, dflt),
    str: (name, dflt) => attrStr(node.attrs, name, dflt),
    ints: (name) => attrInts(node.attrs, name),
    constInts: (i) => {
      const v = node.inputs[i];
      const data = v ? g.constData(v) : undefined;
      return data ? Array.from(data as ArrayLike<number | bigint>, Number) : undefined;
    },
  };
}

function fail(node: Node, msg: string): never {
  throw new Error(`grad: ${node.op} "${node.name}": ${msg}`);
}
