import { afterEach, describe, expect, it, vi } from "vitest";
import * as Y from "yjs";
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { Awareness } from "y-protocols/awareness";
import type { Identity } from "../auth/identity";
import { decodeAwarenessUpdate, PresenceRefusal } from "./presence-decode";
import { PresenceGuard, type PresencePeer } from "./presence-guard";
import { presenceUser } from "./presence-identity";
import {
  DEFAULT_PRESENCE_LIMITS,
  PRESENCE_TABLE,
  presenceLimitsFromEnv,
  type PresenceLimits,
} from "./presence-limits";
import { presenceStateSchema, presenceUserSchema } from "./presence-schema";
import { awarenessUpdate, type AwarenessEntry } from "../security/messages";

const alice: Identity = { id: "u_alice", name: "Alice", color: "#60a5fa", kind: "user" };
const mallory: Identity = { id: "u_mallory", name: "Mallory", color: "#f87171", kind: "user" };
const guestId: Identity = {
  id: "g_abcdefghijkl",
  name: "Site Admin",
  color: "#34d399",
  kind: "guest",
};

const peer = (identity: Identity | null, readOnly = false): PresencePeer => ({
  identity,
  readOnly,
});

/** An awareness update with raw JSON strings, as a patched client could send it. */
const update = (...entries: AwarenessEntry[]) => awarenessUpdate(entries);
const state = (value: unknown) => JSON.stringify(value);

/** The relative position y-codemirror puts in `cursor`, as JSON. */
const position = { type: null, tname: "yaml", item: { client: 7, clock: 3 }, assoc: 0 };
const cursor = { anchor: position, head: { ...position, item: null, assoc: -1 } };

let guards: PresenceGuard[] = [];
function setup(limits: Partial<PresenceLimits> = {}) {
  const doc = new Y.Doc();
  const awareness = new Awareness(doc);
  awareness.setLocalState(null);
  const guard = new PresenceGuard(awareness, { ...DEFAULT_PRESENCE_LIMITS, ...limits });
  guards.push(guard);
  return { awareness, guard };
}

afterEach(() => {
  for (const g of guards) g.destroy();
  guards = [];
  vi.useRealTimers();
});

describe("presence decoding", () => {
  const limits = { maxEntries: 4, maxStateBytes: 64 };
  it("reads entries without parsing them, and refuses malformed or oversized input", () => {
    const entries = decodeAwarenessUpdate(update([1, 1, "{}"], [2, 5, "null"]), limits);
    expect(entries?.map((e) => [e.clientId, e.clock, new TextDecoder().decode(e.json)])).toEqual([
      [1, 1, "{}"],
      [2, 5, "null"],
    ]);
    const bad: [string, Uint8Array][] = [
      ["truncated", Uint8Array.of(1, 1, 1, 9, 123, 110)],
      ["trailing", Uint8Array.of(...update([1, 1, "{}"]), 0)],
      ["empty", new Uint8Array(0)],
      ["oversized state", update([1, 1, state({ x: "a".repeat(100) })])],
      ["client id past 32 bits", update([2 ** 33, 1, "{}"])],
    ];
    for (const [what, bytes] of bad)
      expect(() => decodeAwarenessUpdate(bytes, limits), what).toThrow(PresenceRefusal);
  });

  it("drops a message with more entries than allowed after reading one number", () => {
    // 90 000 entries announced, none present: refused from the count alone.
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, 90_000);
    expect(decodeAwarenessUpdate(encoding.toUint8Array(e), limits)).toBeNull();
  });
});

describe("the presence guard", () => {
  it("replaces `user` with the server's identity and keeps only a well-formed cursor", () => {
    const { awareness, guard } = setup();
    const a = peer(alice);
    guard.join(a);
    guard.receive(a, update([10, 1, state({ user: { name: 42, id: "x" }, cursor, admin: true })]));
    const got = awareness.getStates().get(10);
    expect(got).toEqual({ user: presenceUser(alice, false), cursor });
    expect(presenceStateSchema.check(got, "").ok).toBe(true);
    // A cursor that names no position, or another root type, closes the sender.
    for (const bad of [
      { anchor: {}, head: position },
      { anchor: position, head: { ...position, tname: "x" } },
    ])
      expect(() => guard.receive(a, update([10, 2, state({ cursor: bad })]))).toThrow(
        PresenceRefusal,
      );
    for (const bad of ["[1,2]", "42", '"x"', "{not json"])
      expect(() => guard.receive(a, update([10, 3, bad]))).toThrow(PresenceRefusal);
  });

  it("takes entries only for the connection's own ids: others' cannot be set, renamed or removed", () => {
    const { awareness, guard } = setup();
    const owner = peer(alice);
    const viewer = peer(mallory, true);
    guard.join(owner);
    guard.join(viewer);
    guard.receive(owner, update([1, 1, state({})]));
    guard.receive(viewer, update([2, 1, state({})]));
    // Higher clocks, forged names, and a removal of the owner's id: all skipped.
    guard.receive(viewer, update([1, 9, state({ user: { name: "Site Admin" } })]));
    guard.receive(viewer, update([1, 10, "null"]));
    guard.receive(viewer, update([awareness.clientID, 1, state({})])); // the server's own id
    expect(awareness.getStates().get(1)?.user).toMatchObject({ name: "Alice", role: "editor" });
    expect(awareness.getStates().get(2)?.user).toMatchObject({ name: "Mallory", role: "viewer" });
    expect(awareness.getStates().has(awareness.clientID)).toBe(false);
    // The owner may remove its own.
    guard.receive(owner, update([1, 2, "null"]));
    expect(awareness.getStates().has(1)).toBe(false);
  });

  it("caps ids per connection and states per document", () => {
    const { awareness, guard } = setup({ maxClientIdsPerConnection: 2, maxStatesPerDocument: 3 });
    const a = peer(null);
    guard.join(a);
    guard.receive(a, update([1, 1, "{}"], [2, 1, "{}"], [3, 1, "{}"]));
    expect([...awareness.getStates().keys()]).toEqual([1, 2]);
    const b = peer(null);
    guard.join(b);
    guard.receive(b, update([4, 1, "{}"], [5, 1, "{}"]));
    expect([...awareness.getStates().keys()]).toEqual([1, 2, 4]);
  });

  it("removes a connection's states when it leaves; late echoes of them do not come back", () => {
    const { awareness, guard } = setup();
    const a = peer(alice);
    const b = peer(mallory);
    guard.join(a);
    guard.join(b);
    guard.receive(a, update([1, 3, "{}"]));
    guard.leave(a);
    expect(awareness.getStates().has(1)).toBe(false);
    guard.receive(b, update([1, 3, state({ cursor })])); // b's client echoing what it had
    expect(awareness.getStates().has(1)).toBe(false);
  });

  it("lets the same person take over their id from a connection not yet noticed gone, nobody else", () => {
    const { awareness, guard } = setup();
    const old = peer(alice);
    guard.join(old);
    guard.receive(old, update([1, 1, "{}"]));
    const stranger = peer(null);
    guard.join(stranger);
    guard.receive(stranger, update([1, 2, "{}"]));
    expect(awareness.getStates().get(1)?.user.kind).toBe("user");
    const again = peer(alice);
    guard.join(again);
    guard.receive(again, update([1, 2, state({ cursor })]));
    expect(awareness.getStates().get(1)).toMatchObject({ cursor });
    guard.leave(old); // no longer its id
    expect(awareness.getStates().has(1)).toBe(true);
  });

  it("merges changes past the rate limit: the latest lands once the bucket allows", () => {
    vi.useFakeTimers();
    const { awareness, guard } = setup({ updatesPerSecond: 10, updateBurst: 2 });
    const a = peer(alice);
    guard.join(a);
    let changes = 0;
    awareness.on("update", () => changes++);
    for (let clock = 1; clock <= 50; clock++)
      guard.receive(
        a,
        update([1, clock, state({ cursor: { ...cursor, anchor: { ...position, assoc: clock } } })]),
      );
    expect(changes).toBe(2);
    vi.advanceTimersByTime(200);
    expect(changes).toBe(3);
    expect(awareness.getStates().get(1)?.cursor?.anchor.assoc).toBe(50);
    expect(awareness.meta.get(1)?.clock).toBe(50);
  });

  it("answers queries in full within the bucket, with an empty update past it", () => {
    const { guard } = setup({ queriesPerSecond: 1, queryBurst: 2 });
    const a = peer(alice);
    guard.join(a);
    guard.receive(a, update([1, 1, "{}"]));
    const count = (message: Uint8Array) => {
      const d = decoding.createDecoder(message);
      expect(decoding.readVarUint(d)).toBe(1); // an awareness message
      return decoding.readVarUint(decoding.createDecoder(decoding.readVarUint8Array(d)));
    };
    expect([guard.query(a), guard.query(a), guard.query(a)].map(count)).toEqual([1, 1, 0]);
  });
});

describe("presence identity", () => {
  it("labels guests and anonymous visitors, and hashes guest ids", () => {
    const g = presenceUser(guestId, true);
    expect(g).toMatchObject({ name: "Site Admin (guest)", role: "viewer", kind: "guest" });
    expect(g.id).not.toContain(guestId.id);
    expect(presenceUser(null, true)).toMatchObject({
      name: "Anonymous visitor",
      kind: "anonymous",
    });
    expect(presenceUser({ ...alice, color: "red;x" }, false).color).toMatch(/^#[0-9a-f]{6}$/);
    expect(presenceUser({ ...guestId, name: "<b>Root</b>\u202e" }, true).name).toBe(
      "bRootb (guest)",
    );
    for (const u of [g, presenceUser(null, false), presenceUser(alice, false)])
      expect(presenceUserSchema.check(u, "").ok).toBe(true);
  });
});

describe("presence limits", () => {
  it("come from the environment; a malformed value names its variable", () => {
    expect(presenceLimitsFromEnv({})).toEqual(DEFAULT_PRESENCE_LIMITS);
    expect(presenceLimitsFromEnv({ CLIPIG_PRESENCE_MAX_STATES: "7" }).maxStatesPerDocument).toBe(7);
    for (const row of Object.values(PRESENCE_TABLE))
      expect(() => presenceLimitsFromEnv({ [row.env]: "-1" })).toThrow(row.env);
  });
});
