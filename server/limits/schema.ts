/**
 * A small schema helper for messages from sockets: closed objects with typed fields, strings and
 * lists with a required maximum length, numbers with bounds, binary with a byte cap. The checked
 * value is a fresh object holding only the declared fields (no prototype tricks travel along).
 * `payloadGuard` first measures the payload (bytes, depth, cycles) without serialising it, then
 * checks the shape. No dependency; types are inferred from the schema.
 */

export interface Issue {
  /** Where in the payload, e.g. `experimentId` or `items[3].name` (`""` = the payload). */
  path: string;
  message: string;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; issue: Issue };

export interface Schema<T> {
  readonly optional: boolean;
  check(value: unknown, path: string): Checked<T>;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const fail = (path: string, message: string): Checked<never> => ({
  ok: false,
  issue: { path, message },
});
const schema = <T>(check: (value: unknown, path: string) => Checked<T>): Schema<T> => ({
  optional: false,
  check,
});
const join = (path: string, key: string | number) =>
  typeof key === "number" ? `${path}[${key}]` : path ? `${path}.${key}` : key;

export function str(o: { max: number; min?: number; pattern?: RegExp }): Schema<string> {
  return schema((v, path) => {
    if (typeof v !== "string") return fail(path, "expected a string");
    if (v.length > o.max) return fail(path, `longer than ${o.max} characters`);
    if (v.length < (o.min ?? 0)) return fail(path, `shorter than ${o.min} characters`);
    if (o.pattern && !o.pattern.test(v)) return fail(path, "has an invalid format");
    return ok(v);
  });
}

export function int(o: { min?: number; max?: number } = {}): Schema<number> {
  return schema((v, path) => {
    if (!Number.isSafeInteger(v)) return fail(path, "expected a whole number");
    return bounded(v as number, o, path);
  });
}

export function num(o: { min?: number; max?: number } = {}): Schema<number> {
  return schema((v, path) =>
    typeof v === "number" && Number.isFinite(v)
      ? bounded(v, o, path)
      : fail(path, "expected a finite number"),
  );
}

function bounded(v: number, o: { min?: number; max?: number }, path: string): Checked<number> {
  if (o.min !== undefined && v < o.min) return fail(path, `less than ${o.min}`);
  if (o.max !== undefined && v > o.max) return fail(path, `more than ${o.max}`);
  return ok(v);
}

export function bool(): Schema<boolean> {
  return schema((v, path) =>
    typeof v === "boolean" ? ok(v) : fail(path, "expected true or false"),
  );
}

export function oneOf<const T extends readonly (string | number | boolean)[]>(
  ...values: T
): Schema<T[number]> {
  return schema((v, path) =>
    (values as readonly unknown[]).includes(v)
      ? ok(v as T[number])
      : fail(path, `expected one of ${values.join(", ")}`),
  );
}

/** Binary (Socket.IO delivers Buffers), at most `max` bytes. */
export function bytes(o: { max: number }): Schema<Uint8Array> {
  return schema((v, path) => {
    const b = v instanceof Uint8Array ? v : v instanceof ArrayBuffer ? new Uint8Array(v) : null;
    if (!b) return fail(path, "expected binary data");
    return b.byteLength > o.max ? fail(path, `larger than ${o.max} bytes`) : ok(b);
  });
}

export function list<T>(item: Schema<T>, o: { max: number }): Schema<T[]> {
  return schema((v, path) => {
    if (!Array.isArray(v)) return fail(path, "expected a list");
    if (v.length > o.max) return fail(path, `more than ${o.max} items`);
    const out: T[] = [];
    for (let i = 0; i < v.length; i++) {
      const r = item.check(v[i], join(path, i));
      if (!r.ok) return r;
      out.push(r.value);
    }
    return ok(out);
  });
}

export function optional<T>(inner: Schema<T>): Schema<T | undefined> {
  return {
    optional: true,
    check: (v, path) => (v === undefined ? ok(undefined) : inner.check(v, path)),
  };
}

export function nullable<T>(inner: Schema<T>): Schema<T | null> {
  return {
    optional: inner.optional,
    check: (v, path) => (v === null ? ok(null) : inner.check(v, path)),
  };
}

type Fields = Record<string, Schema<unknown>>;
type OptionalKeys<F extends Fields> = {
  [K in keyof F]: F[K]["optional"] extends true ? K : undefined extends Infer<F[K]> ? K : never;
}[keyof F];
type Shape<F extends Fields> = { [K in Exclude<keyof F, OptionalKeys<F>>]: Infer<F[K]> } & {
  [K in OptionalKeys<F>]?: Infer<F[K]>;
};
export type ObjectOf<F extends Fields> = { [K in keyof Shape<F>]: Shape<F>[K] };

/** A closed object: unknown keys and missing required fields are refused. */
export function obj<F extends Fields>(fields: F): Schema<ObjectOf<F>> {
  return schema((v, path) => {
    if (typeof v !== "object" || v === null || Array.isArray(v))
      return fail(path, "expected an object");
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== Object.prototype && proto !== null) return fail(path, "expected a plain object");
    const record = v as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!Object.hasOwn(fields, key)) return fail(join(path, key), "unknown field");
    }
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(fields)) {
      const present = Object.hasOwn(record, key) && record[key] !== undefined;
      if (!present) {
        if (!field.optional) return fail(join(path, key), "missing");
        continue;
      }
      const r = field.check(record[key], join(path, key));
      if (!r.ok) return r;
      out[key] = r.value;
    }
    return ok(out as ObjectOf<F>);
  });
}

export interface PayloadLimits {
  /** Approximate JSON size plus binary bytes. */
  maxBytes: number;
  maxDepth: number;
}

export const DEFAULT_PAYLOAD_LIMITS: PayloadLimits = { maxBytes: 16 * 1024, maxDepth: 16 };

/**
 * Size of a decoded payload, walked without serialising: stops as soon as it passes `maxBytes` or
 * `maxDepth`, and refuses cycles and non-data values (functions, symbols, bigints, class instances).
 */
export function measurePayload(
  value: unknown,
  limits: PayloadLimits = DEFAULT_PAYLOAD_LIMITS,
): Checked<number> {
  let total = 0;
  const seen = new Set<object>();
  const stack: { v: unknown; depth: number }[] = [{ v: value, depth: 0 }];
  while (stack.length > 0) {
    const { v, depth } = stack.pop()!;
    if (depth > limits.maxDepth) return fail("", `nested deeper than ${limits.maxDepth}`);
    if (v === null || v === undefined || typeof v === "boolean") total += 5;
    else if (typeof v === "number") total += 24;
    else if (typeof v === "string")
      total += v.length * 3 + 2; // at most 3 UTF-8 bytes per UTF-16 unit
    else if (v instanceof Uint8Array || v instanceof ArrayBuffer) total += v.byteLength;
    else if (typeof v === "object") {
      if (seen.has(v)) return fail("", "refers to itself");
      seen.add(v);
      const proto = Object.getPrototypeOf(v) as unknown;
      if (!Array.isArray(v) && proto !== Object.prototype && proto !== null)
        return fail("", "contains a non-plain object");
      const keys = Object.keys(v);
      total += 2 + keys.length;
      for (const k of keys) {
        total += Array.isArray(v) ? 0 : k.length * 3 + 3;
        stack.push({ v: (v as Record<string, unknown>)[k], depth: depth + 1 });
      }
    } else return fail("", `contains a ${typeof v}`);
    if (total > limits.maxBytes) return fail("", `larger than ${limits.maxBytes} bytes`);
  }
  return ok(total);
}

/** Measure, then check: the one call a socket handler makes on each incoming payload. */
export function payloadGuard<T>(
  s: Schema<T>,
  limits: Partial<PayloadLimits> = {},
): (payload: unknown) => Checked<T> {
  const l = { ...DEFAULT_PAYLOAD_LIMITS, ...limits };
  return (payload) => {
    const size = measurePayload(payload, l);
    return size.ok ? s.check(payload, "") : size;
  };
}
