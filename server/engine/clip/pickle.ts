/**
 * A SAFE unpickler for PyTorch checkpoints: it understands the opcodes `torch.save` and
 * `torch.jit.save` use for state dicts and scripted modules, and only a fixed list of globals, each
 * mapped to a plain data constructor here. Nothing is ever imported or executed; any other global or
 * opcode is an error naming it and its byte offset.
 */

/** A tensor as the pickle describes it: storage key and dtype, element offset, size and stride. */
export interface PickledTensor {
  kind: "tensor";
  storage: { key: string; dtype: StorageDType };
  offset: number;
  shape: number[];
  stride: number[];
}

/** An object of a TorchScript class (`__torch__.…`): its class name and the state BUILD gave it. */
export interface PickledObject {
  kind: "object";
  className: string;
  state: PickleValue;
}

export type StorageDType =
  "float32" | "float16" | "bfloat16" | "float64" | "int64" | "int32" | "bool" | "uint8";

export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | Map<PickleValue, PickleValue>
  | PickledTensor
  | PickledObject
  | { kind: "storage"; key: string; dtype: StorageDType }
  | { kind: "global"; name: string };

const STORAGES: Record<string, StorageDType> = {
  FloatStorage: "float32",
  HalfStorage: "float16",
  BFloat16Storage: "bfloat16",
  DoubleStorage: "float64",
  LongStorage: "int64",
  IntStorage: "int32",
  BoolStorage: "bool",
  ByteStorage: "uint8",
};

type Callable = (args: PickleValue[]) => PickleValue;

/** The only globals a checkpoint may name; each builds plain data. */
const GLOBALS: Record<string, Callable> = {
  "collections.OrderedDict": () => new Map(),
  "torch._utils._rebuild_tensor_v2": ([storage, offset, size, stride]) => {
    const s = storage as { kind: string; key: string; dtype: StorageDType };
    if (s?.kind !== "storage") throw new Error("_rebuild_tensor_v2 without a storage");
    return {
      kind: "tensor",
      storage: { key: s.key, dtype: s.dtype },
      offset: Number(offset),
      shape: (size as number[]).map(Number),
      stride: (stride as number[]).map(Number),
    };
  },
  "torch._utils._rebuild_parameter": ([data]) => data ?? null,
  "torch._utils._rebuild_parameter_with_state": ([data]) => data ?? null,
  "torch.jit._pickle.restore_type_tag": ([value]) => value ?? null,
  "torch.jit._pickle.build_intlist": ([value]) => value ?? null,
  "torch.jit._pickle.build_tensorlist": ([value]) => value ?? null,
  "torch.jit._pickle.build_doublelist": ([value]) => value ?? null,
  "torch.jit._pickle.build_boollist": ([value]) => value ?? null,
};

class Mark {}
const MARK = new Mark();
type Stacked = PickleValue | Mark;

export function unpickle(bytes: Uint8Array, what = "pickle"): PickleValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder();
  const stack: Stacked[] = [];
  const memo = new Map<number, PickleValue>();
  let at = 0;
  const fail = (message: string): never => {
    throw new Error(`${what}: ${message} (byte ${at})`);
  };
  const pop = (): PickleValue => {
    const v = stack.pop();
    if (v === undefined || v instanceof Mark) return fail("stack underflow");
    return v as PickleValue;
  };
  const popMark = (): PickleValue[] => {
    const items: PickleValue[] = [];
    for (;;) {
      const v = stack.pop();
      if (v === undefined) return fail("no mark on the stack");
      if (v instanceof Mark) return items.reverse();
      items.push(v);
    }
  };
  const top = (): PickleValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v instanceof Mark) return fail("empty stack");
    return v as PickleValue;
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, at);
    if (end < 0) fail("unterminated line");
    const s = decoder.decode(bytes.subarray(at, end));
    at = end + 1;
    return s;
  };
  const take = (n: number): Uint8Array => {
    if (at + n > bytes.length) fail("truncated");
    const b = bytes.subarray(at, at + n);
    at += n;
    return b;
  };
  const global = (module: string, name: string): PickleValue => {
    const full = `${module}.${name}`;
    if (module === "torch" && name in STORAGES) return { kind: "global", name: full };
    if (full in GLOBALS || module.startsWith("__torch__")) return { kind: "global", name: full };
    return fail(`global '${full}' is not allowed in a checkpoint`);
  };
  const call = (fn: PickleValue, args: PickleValue[]): PickleValue => {
    const name =
      (fn as { kind?: string; name?: string })?.kind === "global"
        ? (fn as { name: string }).name
        : "";
    const impl = GLOBALS[name];
    if (impl) return impl(args);
    if (name.startsWith("__torch__")) return { kind: "object", className: name, state: null };
    return fail(`cannot call '${name || typeof fn}'`);
  };
  const setItems = (target: PickleValue, items: PickleValue[]): void => {
    if (!(target instanceof Map)) fail("SETITEM(S) on a non-dict");
    for (let i = 0; i + 1 < items.length; i += 2)
      (target as Map<PickleValue, PickleValue>).set(items[i]!, items[i + 1]!);
  };

  for (;;) {
    const op = bytes[at++];
    switch (op) {
      case 0x80: // PROTO
        at += 1;
        break;
      case 0x95: // FRAME
        at += 8;
        break;
      case 0x2e: // STOP
        return pop();
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line();
        stack.push(global(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        stack.push(global(String(pop()), String(name)));
        break;
      }
      case 0x71: // BINPUT
        memo.set(take(1)[0]!, top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(view.getUint32(at, true), top());
        at += 4;
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
        stack.push(memo.get(take(1)[0]!) ?? fail("unknown memo"));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(memo.get(view.getUint32(at, true)) ?? fail("unknown memo"));
        at += 4;
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x74: // TUPLE
        stack.push(popMark());
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4b: // BININT1
        stack.push(take(1)[0]!);
        break;
      case 0x4d: // BININT2
        stack.push(view.getUint16(at, true));
        at += 2;
        break;
      case 0x4a: // BININT
        stack.push(view.getInt32(at, true));
        at += 4;
        break;
      case 0x8a: {
        // LONG1: little-endian two's complement
        const n = take(1)[0]!;
        const b = take(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
        if (n > 0 && b[n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
        stack.push(Number.isSafeInteger(Number(v)) ? Number(v) : v);
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        stack.push(view.getFloat64(at, false));
        at += 8;
        break;
      case 0x58: // BINUNICODE
      case 0x54: {
        // BINSTRING
        const n = view.getUint32(at, true);
        at += 4;
        stack.push(decoder.decode(take(n)));
        break;
      }
      case 0x8c: // SHORT_BINUNICODE
      case 0x55: // SHORT_BINSTRING
        stack.push(decoder.decode(take(take(1)[0]!)));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(take(take(1)[0]!).slice());
        break;
      case 0x42: {
        // BINBYTES
        const n = view.getUint32(at, true);
        at += 4;
        stack.push(take(n).slice());
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        (top() as PickleValue[]).push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const list = top();
        if (!Array.isArray(list)) fail("APPENDS on a non-list");
        (list as PickleValue[]).push(...items);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        stack.push(call(pop(), args as PickleValue[]));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        stack.push(call(pop(), args as PickleValue[]));
        break;
      }
      case 0x62: {
        // BUILD: objects of TorchScript classes keep their state; OrderedDict state is ignored
        const state = pop();
        const target = top();
        if ((target as PickledObject)?.kind === "object") (target as PickledObject).state = state;
        break;
      }
      case 0x51: {
        // BINPERSID: ('storage', <StorageType>, key, location, numel)
        const pid = pop() as PickleValue[];
        const type = (pid?.[1] as { name?: string })?.name ?? "";
        const dtype = STORAGES[type.replace(/^torch\./, "")];
        if (!Array.isArray(pid) || pid[0] !== "storage" || !dtype)
          fail(`unsupported persistent id ${JSON.stringify(String(pid?.[0]))} ${type}`);
        stack.push({ kind: "storage", key: String(pid[2]), dtype: dtype! });
        break;
      }
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      default:
        fail(`unsupported opcode 0x${(op ?? 0).toString(16)}`);
    }
  }
}
