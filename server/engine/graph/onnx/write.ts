// Graph -> ONNX ModelProto bytes. Small constants go inline; large ones (with `externalMinBytes`) go to
// external-data files, one per constant named by its content (or key) hash, so every graph built from the
// same weights shares the files; the caller writes them next to the .onnx (see platform/node-runtime.ts).
// Field numbers follow onnx/onnx.proto.
import type { Attr, GraphBase, Node, Value } from "../graph";
import { Hasher } from "../hash";
import { ONNX_DTYPE, type DType, type Shape, type TensorData } from "../types";
import { Proto } from "./proto";

export const DEFAULT_OPSET = 20;
const IR_VERSION: Record<number, number> = { 17: 8, 18: 8, 19: 9, 20: 9, 21: 10 };

export interface WriteOptions {
  /** ONNX opset: >= 17 for LayerNormalization, >= 19 for Pad wrap, 20 for GridSample in float64. */
  opset?: number;
  /** Put constants of at least this many bytes into external data; undefined = all inline. */
  externalMinBytes?: number;
}

/** One external-data file: `location` is relative to the .onnx file (`data/<hash>.bin`). */
export interface ExternalPiece {
  location: string;
  data: Uint8Array;
}

export interface ModelBytes {
  model: Uint8Array;
  external?: ExternalPiece[];
  /** Content hash of the whole model (constants with a `key` are hashed by key). */
  hash: string;
}

const ATTR_TYPE = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7 } as const;

/** The content hash writeModel would give, without assembling the model (cheap for cache lookups). */
export function hashGraph(g: GraphBase, opset = DEFAULT_OPSET): string {
  // Structure plus constant data (or keys), not where the data is stored.
  const h = new Hasher().string(`opset${opset}`);
  for (const node of g.nodes) h.update(nodeProto(node, opset).finish());
  for (const c of g.constants.values()) {
    h.update(tensorHeader(c.value.name, c.value.dtype, c.value.shape).finish());
    if (c.key !== undefined) h.string(c.key);
    else h.update(rawBytes(c.data));
  }
  for (const v of [...g.inputs, ...g.outputs]) h.update(valueInfo(v).finish());
  return h.string(`${g.inputs.length}/${g.outputs.length}`).digest();
}

export function writeModel(g: GraphBase, opts: WriteOptions = {}): ModelBytes {
  const opset = opts.opset ?? DEFAULT_OPSET;
  const external: ExternalPiece[] = [];

  const graph = new Proto();
  for (const node of g.nodes) graph.message(1, nodeProto(node, opset));
  graph.string(2, g.name);
  for (const c of g.constants.values()) {
    const bytes = rawBytes(c.data);
    const header = tensorHeader(c.value.name, c.value.dtype, c.value.shape);
    if (opts.externalMinBytes === undefined || bytes.byteLength < opts.externalMinBytes) {
      graph.message(5, header.bytes(9, bytes));
      continue;
    }
    const content = new Hasher().string(`${c.value.dtype}[${c.value.shape.join(",")}]`);
    const location = `data/${(c.key !== undefined ? content.string(c.key) : content.update(bytes)).digest()}.bin`;
    external.push({ location, data: bytes });
    const entry = (k: string, v: string) => new Proto().string(1, k).string(2, v);
    header
      .message(13, entry("location", location))
      .message(13, entry("length", String(bytes.byteLength)));
    graph.message(5, header.int(14, 1));
  }
  for (const v of g.inputs) graph.message(11, valueInfo(v));
  for (const v of g.outputs) graph.message(12, valueInfo(v));

  const model = new Proto()
    .int(1, IR_VERSION[opset] ?? 10)
    .string(2, "clipig-studio")
    .message(7, graph)
    .message(8, new Proto().string(1, "").int(2, opset))
    .finish();
  return { model, external: external.length ? external : undefined, hash: hashGraph(g, opset) };
}

function nodeProto(node: Node, opset: number): Proto {
  const p = new Proto();
  for (const v of node.inputs) p.string(1, v ? v.name : "");
  for (const v of node.outputs) p.string(2, v.name);
  p.string(3, node.name).string(4, node.op);
  for (const [name, attr] of Object.entries(node.attrs))
    p.message(5, attrProto(name, adaptAttr(node.op, name, attr, opset)));
  if (node.domain) p.string(7, node.domain);
  return p;
}

/** Opset 20 renamed GridSample's modes; the builder speaks opset-16 names. */
function adaptAttr(op: string, name: string, attr: Attr, opset: number): Attr {
  if (op === "GridSample" && name === "mode" && attr.kind === "string" && opset >= 20) {
    const renamed: Record<string, string> = { bilinear: "linear", bicubic: "cubic" };
    return { kind: "string", value: renamed[attr.value] ?? attr.value };
  }
  return attr;
}

function attrProto(name: string, a: Attr): Proto {
  const p = new Proto().string(1, name).int(20, ATTR_TYPE[a.kind]);
  switch (a.kind) {
    case "float":
      return p.float(2, a.value);
    case "int":
      return p.int(3, a.value);
    case "string":
      return p.string(4, a.value);
    case "tensor":
      return p.message(5, tensorProto("", a.dtype, a.shape, rawBytes(a.data)));
    case "floats":
      return p.floats(7, a.value);
    case "ints":
      return p.ints(8, a.value);
  }
}

function tensorHeader(name: string, dtype: DType, shape: Shape): Proto {
  return new Proto().ints(1, shape).int(2, ONNX_DTYPE[dtype]).string(8, name);
}

function tensorProto(name: string, dtype: DType, shape: Shape, bytes: Uint8Array): Proto {
  return tensorHeader(name, dtype, shape).bytes(9, bytes);
}

function valueInfo(v: Value): Proto {
  const shape = new Proto();
  for (const d of v.shape) shape.message(1, new Proto().int(1, d));
  const tensor = new Proto().int(1, ONNX_DTYPE[v.dtype]).message(2, shape);
  return new Proto().string(1, v.name).message(2, new Proto().message(1, tensor));
}

/** Little-endian element bytes (typed arrays are little-endian on every platform we run on). */
export function rawBytes(data: TensorData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
