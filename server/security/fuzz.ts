/**
 * Generators of hostile messages for the fuzz suite, from a seeded PRNG so a failure replays: JSON
 * values of every shape (deep, wide, huge strings, binary, prototype keys), event names known and
 * unknown, raw Socket.IO / engine.io frames, and y-websocket frames from plausible to garbage.
 */
import * as Y from "yjs";
import * as encoding from "lib0/encoding";
import { Awareness, encodeAwarenessUpdate } from "y-protocols/awareness";
import { seededRandom } from "../../lib/experiment/expr";
import { encodeAwareness, encodeSyncUpdate } from "./messages";

export type Rng = () => number;

/** The expression language's seeded generator (mulberry32): small, fast, good enough to pick test inputs. */
export const rng: (seed: number) => Rng = seededRandom;

export const pick = <T>(r: Rng, list: readonly T[]): T => list[Math.floor(r() * list.length)];
export const int = (r: Rng, max: number) => Math.floor(r() * max);
export const bytes = (r: Rng, n: number) => Uint8Array.from({ length: n }, () => int(r, 256));

const STRINGS = [
  "",
  "x",
  "../../etc/passwd",
  "__proto__",
  "constructor",
  "exp:1",
  "%00",
  "\u0000",
  "<script>",
  "' OR 1=1 --",
  "🐷",
];

function str(r: Rng, ids: readonly string[]): string {
  const roll = r();
  if (roll < 0.3 && ids.length) return pick(r, ids);
  if (roll < 0.5) return pick(r, STRINGS);
  if (roll < 0.51) return "a".repeat(int(r, 30_000)); // now and then past the socket's byte cap
  return Array.from({ length: int(r, 40) }, () => String.fromCharCode(int(r, 0xffff))).join("");
}

/** A random JSON-ish value (plus binary), up to `depth` levels. */
export function value(r: Rng, ids: readonly string[], depth = 5): unknown {
  const roll = r();
  if (depth <= 0 || roll < 0.35) {
    return pick(r, [
      () => null,
      () => r() < 0.5,
      () => int(r, 2 ** 31) - 2 ** 30,
      () => pick(r, [NaN, Infinity, -0, 1e308, 2 ** 53 + 1, -1, 0.5]),
      () => str(r, ids),
      () => bytes(r, int(r, 64)),
    ])();
  }
  if (roll < 0.6) return Array.from({ length: int(r, 6) }, () => value(r, ids, depth - 1));
  if (roll < 0.62) {
    // deep nesting
    let v: unknown = 1;
    for (let i = int(r, 1500); i > 0; i--) v = { a: v };
    return v;
  }
  const out: Record<string, unknown> = {};
  const keys = [
    "experimentId",
    "runId",
    "seed",
    "model",
    "__proto__",
    "constructor",
    "then",
    "toString",
    "x",
  ];
  for (let i = int(r, 5); i > 0; i--)
    out[r() < 0.8 ? pick(r, keys) : str(r, ids).slice(0, 40)] = value(r, ids, depth - 1);
  if (r() < 0.5) out.experimentId = pick(r, ids);
  return out;
}

/** Events a client may not emit with socket.io-client (reserved there). */
const RESERVED = new Set([
  "connect",
  "connect_error",
  "disconnect",
  "disconnecting",
  "newListener",
  "removeListener",
]);
const EVENTS = [
  "room:join",
  "room:leave",
  "run:start",
  "run:update",
  "run:pause",
  "run:resume",
  "run:stop",
  "run:continue",
];
const FOREIGN = [
  "hello",
  "status",
  "frame",
  "stats",
  "snapshot",
  "done",
  "error",
  "access:revoked",
  "__proto__",
  "constructor",
  "toString",
  "run:explode",
  "",
];

export function eventName(r: Rng): string {
  const name = r() < 0.7 ? pick(r, EVENTS) : r() < 0.8 ? pick(r, FOREIGN) : str(r, []).slice(0, 30);
  return RESERVED.has(name) ? "run:start" : name;
}

/** A raw Socket.IO-over-engine.io text frame: valid event packets, broken ones, and noise. */
export function rawSocketFrame(r: Rng, ids: readonly string[]): string | Uint8Array {
  return pick(r, [
    () => `42${JSON.stringify([eventName(r), value(r, ids, 3)])}`,
    () => `42${int(r, 1000)}${JSON.stringify([pick(r, EVENTS), { experimentId: pick(r, ids) }])}`,
    () => `42["room:join"`, // truncated JSON
    () => `451-${JSON.stringify(["run:start", { _placeholder: true, num: int(r, 5) }])}`, // attachment never sent
    () => `4${int(r, 10)}${str(r, ids).slice(0, 100)}`,
    () => `${int(r, 10)}${str(r, ids).slice(0, 100)}`,
    () => "41", // disconnect the namespace
    () => `40${JSON.stringify(value(r, ids, 2))}`,
    () => bytes(r, int(r, 200)),
    () => "",
  ])();
}

/** A y-websocket frame: valid-looking sync and awareness messages with hostile content, and garbage. */
export function yjsFrame(r: Rng, base: Y.Doc): Uint8Array | string {
  // About a third malformed (each costs the sender its connection), the rest well-formed but hostile.
  const wellFormed = [
    () => encodeSyncUpdate(0, Y.encodeStateVector(base)),
    () =>
      encodeSyncUpdate(
        pick(r, [1, 2] as const),
        pooled(r, `forged`, () => forgedUpdate(r, base)),
      ),
    () => encodeAwareness(pooled(r, "awareness", () => awarenessUpdate(r, true))),
    () => Uint8Array.of(3),
  ];
  const malformed = [
    () => bytes(r, int(r, 200)),
    () => encodeSyncUpdate(0, bytes(r, int(r, 40))),
    () => encodeSyncUpdate(pick(r, [1, 2] as const), bytes(r, int(r, 100))),
    () => encodeAwareness(r() < 0.5 ? bytes(r, int(r, 60)) : awarenessUpdate(r, false)),
    () => Uint8Array.of(int(r, 200) + 4, ...bytes(r, int(r, 10))),
    () =>
      Uint8Array.of(...encodeSyncUpdate(0, Y.encodeStateVector(base)), ...bytes(r, 1 + int(r, 8))), // trailing bytes
    () => "text frames are not y-websocket",
    () => (r() < 0.1 ? new Uint8Array((1 << 20) + 1) : Uint8Array.of(0)), // rarely: past the byte cap
  ];
  return pick(r, r() < 0.35 ? malformed : wellFormed)();
}

/** Building Yjs edits costs the fuzzer more than the server: make 64 of each kind, then reuse them. */
const pools = new Map<string, Uint8Array[]>();
function pooled(r: Rng, kind: string, make: () => Uint8Array): Uint8Array {
  const pool = pools.get(kind) ?? [];
  pools.set(kind, pool);
  if (pool.length < 64) pool.push(make());
  return pick(r, pool);
}

/** A real Yjs edit on top of `base` (a write attempt by a read-only client). */
function forgedUpdate(r: Rng, base: Y.Doc): Uint8Array {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(base));
  const sv = Y.encodeStateVector(doc);
  const text = doc.getText("yaml");
  if (r() < 0.5 && text.length > 0) text.delete(int(r, text.length), 1);
  text.insert(int(r, text.length + 1), str(r, ["vandal"]).slice(0, 50));
  if (r() < 0.3) doc.getMap("other").set("x", int(r, 100));
  return Y.encodeStateAsUpdate(doc, sv);
}

function awarenessUpdate(r: Rng, valid: boolean): Uint8Array {
  const doc = new Y.Doc();
  const awareness = new Awareness(doc);
  awareness.setLocalState(value(r, ["x"], 3) as Record<string, unknown> | null);
  const update = encodeAwarenessUpdate(awareness, [doc.clientID]);
  awareness.destroy();
  doc.destroy();
  if (valid) return update;
  // A state that is not JSON, or a clock that runs backwards.
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 1);
  encoding.writeVarUint(e, int(r, 2 ** 30));
  encoding.writeVarUint(e, int(r, 10));
  encoding.writeVarString(
    e,
    r() < 0.5 ? "{not json" : JSON.stringify({ user: { name: str(r, []).slice(0, 100) } }),
  );
  return encoding.toUint8Array(e);
}
