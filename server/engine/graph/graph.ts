// The graph core: values with static shapes, nodes, constants, inputs/outputs and scoped names.
// Op methods named after ONNX ops live in builder.ts; per-op shape checks in shapes.ts.
import { SHAPES } from "./shapes";
import {
  fromNumbers,
  shapeStr,
  sizeOf,
  type DType,
  type FloatType,
  type Shape,
  type TensorData,
} from "./types";

export type Attr =
  | { kind: "int"; value: number }
  | { kind: "float"; value: number }
  | { kind: "ints"; value: readonly number[] }
  | { kind: "floats"; value: readonly number[] }
  | { kind: "string"; value: string }
  | { kind: "tensor"; dtype: DType; shape: Shape; data: TensorData };
export type Attrs = Readonly<Record<string, Attr>>;

export const int = (value: number): Attr => ({ kind: "int", value });
export const float = (value: number): Attr => ({ kind: "float", value });
export const ints = (value: readonly number[]): Attr => ({ kind: "ints", value });
export const floats = (value: readonly number[]): Attr => ({ kind: "floats", value });
export const str = (value: string): Attr => ({ kind: "string", value });

/** A tensor in the graph: a graph input, a constant (initializer) or a node output. */
export class Value {
  constructor(
    readonly graph: GraphBase,
    readonly name: string,
    readonly shape: Shape,
    readonly dtype: DType,
    readonly producer?: Node,
  ) {}
  get rank(): number {
    return this.shape.length;
  }
  get size(): number {
    return sizeOf(this.shape);
  }
  toString(): string {
    return `${this.name}: ${this.dtype}${shapeStr(this.shape)}`;
  }
}

export interface Node {
  readonly op: string;
  readonly name: string;
  readonly domain: string;
  /** `null` marks an omitted optional input (written as ""). */
  readonly inputs: readonly (Value | null)[];
  readonly outputs: readonly Value[];
  readonly attrs: Attrs;
}

export interface Constant {
  readonly value: Value;
  readonly data: TensorData;
  /** Stands in for the data in the graph hash (e.g. "file#tensor"), so huge weights are not hashed byte by byte. */
  readonly key?: string;
}

/** What a shape rule sees: the node's inputs, attributes, and how to read constant inputs. */
export interface ShapeContext {
  readonly where: string;
  readonly inputs: readonly (Value | null)[];
  readonly attrs: Attrs;
  /** Values of a constant int input (shape, axes, pads...), throwing when it is not a constant. */
  ints(i: number): number[] | undefined;
}
export type OutputInfo = { shape: Shape; dtype: DType };
export type ShapeRule = (c: ShapeContext) => OutputInfo[];

export interface GraphOptions {
  /** Float type of constants made from plain numbers; "float64" is the gradient-check mode. */
  float?: FloatType;
  name?: string;
}

const SMALL_CONSTANT = 64;

export class GraphBase {
  private floatType: FloatType;
  readonly name: string;
  readonly inputs: Value[] = [];
  readonly outputs: Value[] = [];
  readonly nodes: Node[] = [];
  readonly constants = new Map<Value, Constant>();
  private readonly names = new Set<string>();
  private readonly counters = new Map<string, number>();
  private readonly smallConstants = new Map<string, Value>();
  private scopes: string[] = [];

  constructor(options: GraphOptions = {}) {
    this.floatType = options.float ?? "float32";
    this.name = options.name ?? "graph";
  }

  /** The float type of constants made from plain numbers and of inputs by default. */
  get float(): FloatType {
    return this.floatType;
  }

  /**
   * Runs `fn` with `float` as the graph's float type: mixed precision, e.g. a float16 CLIP tower inside
   * a float32 step graph (Cast at the borders; gradient rules follow each value's own dtype).
   */
  withFloat<T>(float: FloatType, fn: () => T): T {
    const saved = this.floatType;
    this.floatType = float;
    try {
      return fn();
    } finally {
      this.floatType = saved;
    }
  }

  /** Runs `fn` with `name` appended to the name scope: nodes made inside are called `a/b/Op_3`. */
  scope<T>(name: string, fn: () => T): T {
    const saved = this.scopes;
    this.scopes = [...saved, name];
    try {
      return fn();
    } finally {
      this.scopes = saved;
    }
  }

  get currentScope(): string {
    return this.scopes.join("/");
  }

  /** A fresh unique name `scope/base_n`. */
  freshName(base: string): string {
    const prefix = this.scopes.length ? `${this.currentScope}/${base}` : base;
    for (;;) {
      const n = this.counters.get(prefix) ?? 0;
      this.counters.set(prefix, n + 1);
      const name = `${prefix}_${n}`;
      if (!this.names.has(name)) return this.claim(name);
    }
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`graph ${this.name}: name "${name}" is already used`);
    this.names.add(name);
    return name;
  }

  /** Declares a graph input (fed on every run). Declare them all in one place. */
  input(name: string, shape: Shape, dtype: DType = this.float): Value {
    checkShape(shape, `input ${name}`);
    const v = new Value(this, this.claim(name), [...shape], dtype);
    this.inputs.push(v);
    return v;
  }

  /** Marks `v` as a graph output, renamed to `name` (through an Identity) when given. */
  output(v: Value, name?: string): Value {
    this.own(v, "output");
    let out = v;
    const isNodeOutput = v.producer !== undefined;
    if ((name !== undefined && name !== v.name) || !isNodeOutput || this.outputs.includes(v)) {
      out = this.emit("Identity", [v], {}, { name: name ?? this.freshName("Output") })[0];
    }
    this.outputs.push(out);
    return out;
  }

  /** A constant tensor (ONNX initializer). Small ones made without a name are shared. */
  constant(
    data: TensorData | readonly number[],
    shape: Shape,
    opts: { dtype?: DType; name?: string; key?: string } = {},
  ): Value {
    const dtype = opts.dtype ?? dtypeOf(data) ?? this.float;
    const typed = Array.isArray(data) ? fromNumbers(dtype, data) : (data as TensorData);
    checkShape(shape, `constant ${opts.name ?? ""}`);
    if (typed.length !== sizeOf(shape))
      throw new Error(
        `constant ${opts.name ?? ""}: ${typed.length} elements for shape ${shapeStr(shape)}`,
      );
    const small = opts.name === undefined && typed.length <= SMALL_CONSTANT;
    const dedupKey = small
      ? `${dtype}${shapeStr(shape)}${Array.from(typed as ArrayLike<number | bigint>).join(",")}`
      : "";
    if (small) {
      const found = this.smallConstants.get(dedupKey);
      if (found) return found;
    }
    const name = opts.name !== undefined ? this.claim(opts.name) : this.freshConstName();
    const v = new Value(this, name, [...shape], dtype);
    this.constants.set(v, { value: v, data: typed, key: opts.key });
    if (small) this.smallConstants.set(dedupKey, v);
    return v;
  }

  private freshConstName(): string {
    const saved = this.scopes;
    this.scopes = [];
    try {
      return this.freshName("Const");
    } finally {
      this.scopes = saved;
    }
  }

  /** A scalar (shape []) of `dtype` (the graph's float type by default). */
  scalar(x: number, dtype: DType = this.float): Value {
    return this.constant(fromNumbers(dtype, [x]), [], { dtype });
  }

  /** A constant of the graph's float type from plain numbers (encoded for float16). */
  floats(values: ArrayLike<number>, shape: Shape): Value {
    return this.constant(fromNumbers(this.float, values), shape, { dtype: this.float });
  }

  /** One line per node, `name = Op(inputs) -> dtype[shape]`, for debugging and test failure messages. */
  summary(): string {
    const io = (v: Value | null) => (v ? v.name : "-");
    return this.nodes
      .map(
        (n) =>
          `${n.name} = ${n.op}(${n.inputs.map(io).join(", ")}) -> ${n.outputs.map((o) => `${o.dtype}${shapeStr(o.shape)}`).join(", ")}`,
      )
      .join("\n");
  }

  /** A 1-D int64 constant (shapes, axes, pads, indices). */
  int64s(values: readonly number[]): Value {
    return this.constant(fromNumbers("int64", values), [values.length], { dtype: "int64" });
  }

  /** The data of a constant, or undefined for inputs and node outputs. */
  constData(v: Value): TensorData | undefined {
    return this.constants.get(v)?.data;
  }

  /**
   * Appends one node after checking its inputs with the op's shape rule (shapes.ts) and returns its outputs
   * (as many as the rule gives: Split's pieces, LayerNormalization's Mean/InvStdDev). Output 0 is named
   * like the node, output i as `name:i`.
   */
  emit(
    op: string,
    inputs: readonly (Value | null)[],
    attrs: Attrs = {},
    opts: { name?: string; domain?: string } = {},
  ): Value[] {
    const name = opts.name !== undefined ? this.claim(opts.name) : this.freshName(op);
    const where = `${op} "${name}"`;
    inputs.forEach((v) => v && this.own(v, where));
    const rule = SHAPES[op];
    if (!rule) throw new Error(`${where}: no shape rule for op ${op}`);
    const ctx: ShapeContext = {
      where,
      inputs,
      attrs,
      ints: (i) => {
        const v = inputs[i];
        if (!v) return undefined;
        const data = this.constData(v);
        if (!data)
          throw new Error(`${where}: input ${i} (${v.name}) must be a constant for static shapes`);
        return Array.from(data as ArrayLike<number | bigint>, Number);
      },
    };
    const infos = rule(ctx);
    const outputs: Value[] = [];
    const node: Node = { op, name, domain: opts.domain ?? "", inputs: [...inputs], outputs, attrs };
    infos.forEach((info, i) => {
      checkShape(info.shape, where);
      const outName = i === 0 ? name : this.claim(`${name}:${i}`);
      outputs.push(new Value(this, outName, [...info.shape], info.dtype, node));
    });
    this.nodes.push(node);
    return outputs;
  }

  private own(v: Value, where: string): void {
    if (v.graph !== this) throw new Error(`${where}: value ${v.name} belongs to another graph`);
  }
}

function checkShape(shape: Shape, where: string): void {
  if (!shape.every((d) => Number.isInteger(d) && d >= 0))
    throw new Error(`${where}: bad static shape ${shapeStr(shape)}`);
}

function dtypeOf(data: TensorData | readonly number[]): DType | undefined {
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Float64Array) return "float64";
  if (data instanceof BigInt64Array) return "int64";
  if (data instanceof Int32Array) return "int32";
  if (data instanceof Uint32Array) return "uint32";
  if (data instanceof Uint8Array) return "uint8";
  return undefined;
}
