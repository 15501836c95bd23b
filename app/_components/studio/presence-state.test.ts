import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate } from "y-protocols/awareness";
import { presenceUser } from "@/server/collab/presence-identity";
import { checkRemoteState, dropInvalidStates, peersOf } from "./presence-state";

const me = { id: "u_me", name: "Me", color: "#60a5fa" };
const bob = presenceUser({ id: "u_bob", name: "Bob", color: "#34d399", kind: "user" }, false);
const position = { type: null, tname: "yaml", item: { client: 7, clock: 3 }, assoc: 0 };

/** What a hostile or broken server could relay, each as another client's state. */
const HOSTILE: [string, unknown][] = [
  ["name is a number", { user: { ...bob, name: 42 } }],
  ["no user", { cursor: null }],
  ["user is a string", { user: "Bob" }],
  ["colour with CSS in it", { user: { ...bob, color: "red; background: url(x)" } }],
  ["empty name", { user: { ...bob, name: "" } }],
  ["unknown field", { user: bob, admin: true }],
  ["cursor naming nothing", { user: bob, cursor: { anchor: {}, head: {} } }],
  ["cursor in another type", { user: bob, cursor: { anchor: { tname: "x" }, head: position } }],
  [
    "cursor clock a string",
    { user: bob, cursor: { anchor: { item: { client: 1, clock: "9" } }, head: position } },
  ],
  ["array", [1, 2]],
  ["number", 7],
];

/** A second client's awareness receiving `state` for client id `from`, as y-websocket applies it. */
function received(awareness: Awareness, from: number, state: unknown, clock = 1) {
  const sender = new Awareness(new Y.Doc());
  sender.clientID = from;
  sender.states.set(from, state as Record<string, unknown>);
  sender.meta.set(from, { clock, lastUpdated: 0 });
  applyAwarenessUpdate(awareness, encodeAwarenessUpdate(sender, [from]), "server");
  sender.destroy();
}

describe("remote presence states", () => {
  it("accept what the server relays, with or without a cursor", () => {
    expect(checkRemoteState({ user: bob })).toEqual({ user: bob });
    const cursor = { anchor: position, head: { ...position, item: null } };
    expect(checkRemoteState({ user: bob, cursor })).toEqual({ user: bob, cursor });
    expect(checkRemoteState({ user: bob, cursor: null })).toEqual({ user: bob, cursor: null });
  });

  it("refuse every malformed shape", () => {
    for (const [what, state] of HOSTILE) expect(checkRemoteState(state), what).toBeNull();
  });

  it("are taken out of the awareness when malformed; avatars list only valid ones", () => {
    const doc = new Y.Doc();
    const awareness = new Awareness(doc);
    awareness.setLocalState({ user: me });
    received(awareness, 100, { user: bob });
    HOSTILE.forEach(([, state], i) => received(awareness, 200 + i, state));
    const dropped = dropInvalidStates(awareness, awareness.getStates().keys());
    expect(dropped.sort()).toEqual(HOSTILE.map((_, i) => 200 + i));
    expect([...awareness.getStates().keys()].sort()).toEqual([100, doc.clientID].sort());
    // A later valid state from the same client comes back.
    received(awareness, 200, { user: bob }, 2);
    expect(awareness.getStates().get(200)).toEqual({ user: bob });
    awareness.destroy();
  });

  it("list me first, the same signed-in person once, every anonymous tab, and never crash", () => {
    const anon = presenceUser(null, true);
    const states = new Map<number, unknown>([
      [1, { user: me }],
      [2, { user: bob }],
      [3, { user: bob }], // Bob's second tab
      [4, { user: anon }],
      [5, { user: anon }],
      [
        6,
        {
          user: { ...me, name: "Me again", role: "editor", colorLight: "#60a5fa40", kind: "user" },
        },
      ],
      ...HOSTILE.map(([, s], i): [number, unknown] => [10 + i, s]),
    ]);
    const peers = peersOf(states, 1, me);
    expect(peers.map((p) => [p.clientId, p.name, p.self])).toEqual([
      [1, "Me", true],
      [4, "Anonymous visitor", false],
      [5, "Anonymous visitor", false],
      [2, "Bob", false],
    ]);
  });
});
