/**
 * The syntax tree: one discriminated union, every node with its source range. The parser makes
 * all kinds but `variable`, `global` and `literal` of a folded value, which `compile` produces
 * when it resolves names and folds constants.
 */
import type { ArithmeticOp, CompareOp } from "./operators";
import type { Value } from "./values";

interface Span {
  start: number;
  end: number;
}

export type Node =
  | (Span & { kind: "literal"; value: Value })
  | (Span & { kind: "name"; name: string })
  /** A variable resolved to its canonical long name. */
  | (Span & { kind: "variable"; name: string })
  /** A built-in function or constant. */
  | (Span & { kind: "global"; name: string })
  | (Span & { kind: "unary"; op: "-" | "+" | "~" | "not"; operand: Node })
  | (Span & { kind: "binary"; op: ArithmeticOp; left: Node; right: Node })
  /** Short-circuit `and`/`or`: the value is one of the operands. */
  | (Span & { kind: "logical"; op: "and" | "or"; left: Node; right: Node })
  /** `a < b <= c`: operands.length === ops.length + 1, each inner operand evaluated once. */
  | (Span & { kind: "compare"; ops: CompareOp[]; operands: Node[] })
  | (Span & { kind: "conditional"; test: Node; body: Node; orelse: Node })
  | (Span & { kind: "call"; callee: Node; args: Node[] })
  | (Span & { kind: "subscript"; object: Node; index: Node })
  | (Span & { kind: "attribute"; object: Node; name: string })
  | (Span & { kind: "list"; items: Node[] })
  | (Span & { kind: "tuple"; items: Node[] })
  | (Span & { kind: "dict"; keys: Node[]; values: Node[] });

export type NodeKind = Node["kind"];
export type NodeOf<K extends NodeKind> = Extract<Node, { kind: K }>;

/** The direct children of a node, in evaluation order. */
export function children(node: Node): Node[] {
  switch (node.kind) {
    case "literal":
    case "name":
    case "variable":
    case "global":
      return [];
    case "unary":
      return [node.operand];
    case "binary":
    case "logical":
      return [node.left, node.right];
    case "compare":
      return node.operands;
    case "conditional":
      return [node.body, node.test, node.orelse];
    case "call":
      return [node.callee, ...node.args];
    case "subscript":
      return [node.object, node.index];
    case "attribute":
      return [node.object];
    case "list":
    case "tuple":
      return node.items;
    case "dict":
      return node.keys.flatMap((k, i) => [k, node.values[i]]);
  }
}
