/**
 * Attacker suite, part 7: presence (Yjs awareness). The server owns who a presence state says it
 * is: a number as a name, a forged `user` or a guest calling itself "Site Admin" reach others as
 * the sender's authenticated identity; a read-only connection cannot set, rename or remove another
 * client's state. Presence traffic is bounded: oversized states close the sender (4400), messages
 * with more entries than allowed are dropped unread, fast changes are merged to the rate limit,
 * awareness queries past their bucket get an empty answer, and many big states do not grow memory.
 * Meanwhile documents of other rooms are untouched and nothing crashes.
 */
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { WebsocketProvider } from "y-websocket";
import { db } from "../db/client";
import { encodeGuest, GUEST_COOKIE, newGuest } from "../auth/identity";
import { createExperiment, share, type TestCaller } from "../collab/testing";
import { presenceStateSchema } from "../collab/presence-schema";
import { DEFAULT_PRESENCE_LIMITS } from "../collab/presence-limits";
import {
  awarenessUpdate,
  encodeAwareness,
  encodeSyncUpdate,
  type AwarenessEntry,
} from "./messages";
import {
  closeCodeOf,
  crashCounter,
  startHarness,
  synced,
  Tally,
  type Harness,
} from "./testing/harness";

let h: Harness;
const tally = new Tally("presence: identity and bounds");
const crashes = crashCounter();
const figures: Record<string, number> = {};
const poll = { timeout: 5000, interval: 10 };
const QUERY = Uint8Array.of(3);
const YAML = "epochs: 10\n";

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  // Nothing lost: the harness' own rooms read as they were stored.
  for (const id of [h.publicId, h.privateId]) {
    const row = await db().experiment.findUniqueOrThrow({ where: { id } });
    expect(row.yaml).toContain("text: a pig");
  }
  await h.finish(crashes, tally, { suite: "presence: figures", ...figures });
});

/** A public room where the harness' viewer and editor are members. */
async function room(): Promise<string> {
  const id = await createExperiment(YAML, {
    ownerId: h.callers.owner!.identity.id,
    visibility: "public",
  });
  await share(id, h.callers.viewer!, "viewer");
  await share(id, h.callers.editor!, "editor");
  return id;
}

/** An awareness message from raw JSON strings, as a patched client sends it. */
const frame = (...entries: AwarenessEntry[]) => encodeAwareness(awarenessUpdate(entries));

/** A raw connection on its document (its first message is the server's sync step 1). */
async function raw(caller: TestCaller | null, id: string): Promise<WebSocket> {
  const ws = h.rawYjs(caller, id);
  await once(ws, "message");
  return ws;
}

/** A studio tab: synced, with the `user` field the studio sets. */
async function tab(caller: TestCaller | null, id: string) {
  const t = h.yjs(caller, id);
  await synced(t.provider);
  t.provider.awareness.setLocalStateField("user", {
    id: caller?.identity.id ?? "anonymous",
    name: caller?.identity.name ?? "Visitor",
    color: "#60a5fa",
  });
  return t;
}

const stateOf = (p: WebsocketProvider, clientId: number) =>
  p.awareness.getStates().get(clientId) as Record<string, unknown> | undefined;
const userOf = (p: WebsocketProvider, clientId: number) =>
  stateOf(p, clientId)?.user as Record<string, unknown> | undefined;

/** Waits until `p` holds `clientId`'s presence user as `user` (the fields given). */
const seenAs = (p: WebsocketProvider, clientId: number, user: Record<string, unknown>) =>
  expect.poll(() => userOf(p, clientId), poll).toMatchObject(user);

/** Every state a client holds of others passes the studio's schema. */
function allValid(p: WebsocketProvider): boolean {
  return [...p.awareness.getStates()]
    .filter(([id]) => id !== p.awareness.clientID)
    .every(([, s]) => presenceStateSchema.check(s, "").ok);
}

/** Sends `messages`; resolves once an answer `isAnswer` accepts came back (true) or on close (false). */
function sendUntil(
  ws: WebSocket,
  messages: Uint8Array[],
  isAnswer: (data: Buffer) => boolean,
): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const onMessage = (data: Buffer) => {
      if (!isAnswer(data)) return;
      ws.off("message", onMessage);
      ws.off("close", onClose);
      resolve(true);
    };
    const onClose = () => {
      ws.off("message", onMessage);
      resolve(false);
    };
    ws.on("message", onMessage);
    ws.once("close", onClose);
    for (const m of messages) ws.send(m);
  });
}

/** Sends `messages` then a query; true once an awareness message came back. */
const sendAndProbe = (ws: WebSocket, ...messages: Uint8Array[]) =>
  sendUntil(ws, [...messages, QUERY], (data) => data[0] === 1);

/** Sends `message` then sync step 1; true once the server answered it (sync step 2). */
const sendAndSync = (ws: WebSocket, message: Uint8Array) =>
  sendUntil(
    ws,
    [message, encodeSyncUpdate(0, Uint8Array.of(0))],
    (data) => data[0] === 0 && data[1] === 1,
  );

describe("identity in presence", () => {
  it("a number as `user.name` from an anonymous connection reaches everyone as the server's label", async () => {
    const id = await room();
    const owner = await tab(h.callers.owner, id);
    const ws = await raw(null, id);
    ws.send(frame([4242, 1, JSON.stringify({ user: { name: 42, color: 7, id: {} } })]));
    tally.refused(true);
    await seenAs(owner.provider, 4242, {
      name: "Anonymous visitor",
      kind: "anonymous",
      role: "viewer",
    });
    // A visitor who opens the page afterwards gets the same, and only valid states.
    const late = await tab(h.callers.guest, id);
    await seenAs(late.provider, 4242, { name: "Anonymous visitor" });
    expect(allValid(owner.provider)).toBe(true);
    expect(allValid(late.provider)).toBe(true);
    ws.terminate();
  });

  it("a read-only connection cannot set, rename or remove another client's state", async () => {
    const id = await room();
    const owner = await tab(h.callers.owner, id);
    const editor = await tab(h.callers.editor, id);
    const ownerId = owner.doc.clientID;
    await seenAs(editor.provider, ownerId, { name: h.callers.owner!.identity.name });
    const clock = owner.provider.awareness.meta.get(ownerId)!.clock;
    const admin = JSON.stringify({ user: { name: "Site Admin", color: "#ff0000" } });
    const ws = await raw(h.callers.viewer, id);
    ws.send(frame([ownerId, clock + 10, admin])); // rename the owner
    ws.send(frame([ownerId, clock + 20, "null"])); // remove the owner
    ws.send(frame([editor.doc.clientID, 1_000_000, admin], [777, 1, admin])); // and a fake admin
    ws.send(frame([778, 1, "{}"])); // a marker: once it arrives, the above were handled
    for (let i = 0; i < 4; i++) tally.refused(true);
    await seenAs(editor.provider, 778, { name: h.callers.viewer!.identity.name });
    expect(userOf(editor.provider, ownerId)?.name).toBe(h.callers.owner!.identity.name);
    expect(userOf(owner.provider, editor.doc.clientID)?.name).toBe(h.callers.editor!.identity.name);
    // The fake admin carries the viewer's own identity; nobody is called "Site Admin".
    expect(userOf(editor.provider, 777)).toMatchObject({
      name: h.callers.viewer!.identity.name,
      role: "viewer",
    });
    const late = await tab(null, id);
    await seenAs(late.provider, ownerId, { name: h.callers.owner!.identity.name });
    for (const p of [owner, editor, late])
      for (const s of p.provider.awareness.getStates().values())
        expect(JSON.stringify(s)).not.toContain("Site Admin");
    ws.terminate();
  });

  it("a forged `user` is replaced by the sender's own: signed-in users and labelled guests", async () => {
    const id = await room();
    const owner = await tab(h.callers.owner, id);
    const forged = {
      id: h.callers.owner!.identity.id,
      name: h.callers.owner!.identity.name,
      color: "#000000",
      role: "editor",
      kind: "user",
    };
    const editorWs = await raw(h.callers.editor, id);
    editorWs.send(frame([5001, 1, JSON.stringify({ user: forged })]));
    // A guest cookie is unsigned: a guest may call itself anything, and is labelled a guest.
    const fake = { ...newGuest(), name: "Site Admin" };
    const guestWs = await raw(
      { identity: fake, cookie: `${GUEST_COOKIE}=${encodeGuest(fake)}` },
      id,
    );
    guestWs.send(frame([5002, 1, JSON.stringify({ user: forged })]));
    tally.refused(true);
    tally.refused(true);
    await seenAs(owner.provider, 5001, {
      id: h.callers.editor!.identity.id,
      name: h.callers.editor!.identity.name,
      role: "editor",
      kind: "user",
    });
    await seenAs(owner.provider, 5002, {
      name: "Site Admin (guest)",
      role: "viewer",
      kind: "guest",
    });
    expect(userOf(owner.provider, 5002)?.id).not.toBe(fake.id);
    expect(allValid(owner.provider)).toBe(true);
    editorWs.terminate();
    guestWs.terminate();
  });
});

describe("presence bounds", () => {
  it("closes a connection that sends an oversized state (4400); its state never reaches anyone", async () => {
    const id = await room();
    const owner = await tab(h.callers.owner, id);
    const ws = await raw(h.callers.viewer, id);
    ws.send(frame([6001, 1, JSON.stringify({ pad: "x".repeat(1_000_000) })]));
    expect(await closeCodeOf(ws)).toBe(4400);
    tally.refused(true);
    const check = await raw(null, id);
    expect(await sendAndProbe(check)).toBe(true);
    expect(stateOf(owner.provider, 6001)).toBeUndefined();
    check.terminate();
  });

  it("drops a 90 000-entry message unread: bounded CPU, no states added, the connection kept", async () => {
    const id = await room();
    const owner = await tab(h.callers.owner, id);
    const entries = Array.from({ length: 90_000 }, (_, i): [number, number, string] => [
      100_000 + i,
      1,
      "{}",
    ]);
    const big = frame(...entries);
    const ws = await raw(null, id);
    const before = owner.provider.awareness.getStates().size;
    const cpu = process.cpuUsage();
    const t = performance.now();
    expect(await sendAndProbe(ws, big)).toBe(true);
    const used = process.cpuUsage(cpu);
    figures.entries90kBytes = big.length;
    figures.entries90kCpuMs = Math.round((used.user + used.system) / 1000);
    figures.entries90kWallMs = Math.round(performance.now() - t);
    tally.refused(true);
    // The marker: a state sent after it arrives, and nothing of the 90 000 did.
    ws.send(frame([6100, 1, "{}"]));
    await expect.poll(() => stateOf(owner.provider, 6100), poll).toBeDefined();
    expect(owner.provider.awareness.getStates().size).toBe(before + 1);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    expect(figures.entries90kCpuMs).toBeLessThan(150); // was ~360 ms on the server alone
    ws.terminate();
  });

  it("merges changes past the rate limit: others see a bounded number, and the latest", async () => {
    const id = await room();
    const owner = await tab(h.callers.owner, id);
    const me = 6200;
    let seen = 0;
    owner.provider.awareness.on("change", ({ added, updated }: Record<string, number[]>) => {
      if (added.includes(me) || updated.includes(me)) seen++;
    });
    const ws = await raw(h.callers.viewer, id);
    const position = (assoc: number) => ({ tname: "yaml", item: null, type: null, assoc });
    const t = performance.now();
    const sent = 300;
    for (let clock = 1; clock <= sent; clock++) {
      const cursor = { anchor: position(clock), head: position(clock) };
      ws.send(frame([me, clock, JSON.stringify({ cursor })]));
    }
    tally.refused(true);
    await expect.poll(() => owner.provider.awareness.meta.get(me)?.clock, poll).toBe(sent);
    const seconds = (performance.now() - t) / 1000;
    const { updateBurst, updatesPerSecond } = DEFAULT_PRESENCE_LIMITS;
    figures.fastUpdatesSent = sent;
    figures.fastUpdatesRelayed = seen;
    expect(seen).toBeLessThanOrEqual(updateBurst + Math.ceil(seconds * updatesPerSecond) + 2);
    expect(
      (stateOf(owner.provider, me)?.cursor as { anchor: { assoc: number } }).anchor.assoc,
    ).toBe(sent);
    ws.terminate();
  });

  it("answers a flood of 300 awareness queries with bounded bytes", async () => {
    const id = await room();
    // Twenty people in the room, and an attempt to add a 1 MB state.
    const people = await Promise.all(Array.from({ length: 20 }, () => tab(h.callers.guest, id)));
    const big = await raw(h.callers.viewer, id);
    const pad = JSON.stringify({ pad: "x".repeat(1_000_000) });
    const bigKept = await sendAndProbe(big, frame([6300, 1, pad]));
    await expect.poll(() => people[0].provider.awareness.getStates().size >= 20, poll).toBe(true);
    const ws = await raw(null, id);
    let bytes = 0;
    let replies = 0;
    let largest = 0;
    const all = new Promise<void>((resolve) => {
      ws.on("message", (data: Buffer) => {
        if (data[0] !== 1) return;
        bytes += data.length;
        largest = Math.max(largest, data.length);
        if (++replies === 300) resolve();
      });
    });
    const cpu = process.cpuUsage();
    for (let i = 0; i < 300; i++) ws.send(QUERY);
    await Promise.race([all, once(ws, "close")]);
    const used = process.cpuUsage(cpu);
    for (let i = 0; i < 300; i++) tally.refused(true);
    figures.queryFlood300Bytes = bytes;
    figures.queryFlood300CpuMs = Math.round((used.user + used.system) / 1000);
    figures.queryLargestReply = largest;
    expect(bigKept).toBe(false); // closed: 4400
    expect(replies).toBe(300);
    const { queryBurst, maxStatesPerDocument, maxStateBytes } = DEFAULT_PRESENCE_LIMITS;
    expect(largest).toBeLessThanOrEqual(maxStatesPerDocument * maxStateBytes);
    expect(bytes).toBeLessThan((queryBurst + 2) * largest + 300 * 8);
    expect(bytes).toBeLessThan(256 * 1024); // was 300 MB with one 1 MB state in the room
    ws.terminate();
  });

  it("does not grow memory with many big states", async () => {
    const id = await room();
    const json = JSON.stringify({ pad: "x".repeat(1_000_000) }); // one string: no garbage here
    const heap = process.memoryUsage().heapUsed;
    let ws = await raw(h.callers.viewer, id);
    for (let i = 0; i < 150; i++) {
      if (ws.readyState !== WebSocket.OPEN) ws = await raw(h.callers.viewer, id);
      await sendAndSync(ws, frame([7000 + i, 1, json]));
      tally.refused(true);
    }
    const grown = process.memoryUsage().heapUsed - heap;
    figures.bigStates150HeapGrowthMB = Math.round(grown / 2 ** 20);
    const late = await tab(null, id);
    const held = [...late.provider.awareness.getStates().values()];
    figures.bigStates150HeldBytes = JSON.stringify(held).length;
    expect(figures.bigStates150HeldBytes).toBeLessThan(16 * 1024);
    expect(grown).toBeLessThan(48 * 2 ** 20); // was +190 MB
    ws.terminate();
  });
});
