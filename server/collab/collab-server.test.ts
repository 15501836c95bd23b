import { beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import * as Y from "yjs";
import type { WebsocketProvider } from "y-websocket";
import { db } from "../db/client";
import { CollabServer } from "./collab-server";
import { databaseExtension } from "./database";
import { addMember, revokeMember, revokeSession } from "../accounts";
import { accessExtension, closeOnRevocation } from "./access";
import {
  createExperiment as createRow,
  serveYjs,
  signedIn,
  synced,
  tabHeaders,
  useTempDatabase,
  yjsTab,
  type TestCaller,
} from "./testing";
import type { Extension } from "./types";

interface Running {
  collab: CollabServer;
  port: number;
  loads: Map<string, number>;
  stop(): Promise<void>;
}

async function start(
  opts: { debounceMs?: number; maxMessageBytes?: number; messagesPerSecond?: number } = {},
): Promise<Running> {
  const loads = new Map<string, number>();
  const counter: Extension = {
    async loadDocument({ documentName }) {
      loads.set(documentName, (loads.get(documentName) ?? 0) + 1);
    },
  };
  const collab = new CollabServer({
    extensions: [accessExtension(), counter, databaseExtension()],
    debounceMs: opts.debounceMs ?? 50,
    maxDebounceMs: 200,
    maxMessageBytes: opts.maxMessageBytes,
    limits: opts.messagesPerSecond
      ? { messagesPerSecond: opts.messagesPerSecond, messageBurst: opts.messagesPerSecond }
      : {},
  });
  const unwatch = closeOnRevocation(collab);
  const http = await serveYjs(collab);
  return {
    collab,
    loads,
    port: http.port,
    async stop() {
      unwatch();
      await collab.close();
      await http.close();
    },
  };
}

/** A y-websocket client as the studio page opens it, with the visitor's cookie (if any). */
const client = (server: Running, room: string, cookie?: string, doc?: Y.Doc) =>
  yjsTab(server.port, room, tabHeaders(server.port, cookie), { doc });

const closeCode = (p: WebsocketProvider) =>
  new Promise<number>((resolve) =>
    p.once("connection-close", (e: CloseEvent | null) => resolve(e?.code ?? 0)),
  );

const poll = { timeout: 5000, interval: 10 };
let alice: TestCaller;
let bob: TestCaller;
/** An experiment Alice and Bob both edit. */
const createExperiment = (yaml: string) =>
  createRow(yaml, { members: { [alice.identity.id]: "editor", [bob.identity.id]: "editor" } });
const rawSocket = (server: Running, id: string, cookie: string) =>
  new WebSocket(`ws://127.0.0.1:${server.port}/yjs/${id}`, {
    headers: tabHeaders(server.port, cookie),
  });

beforeAll(async () => {
  await useTempDatabase();
  alice = await signedIn("alice");
  bob = await signedIn("bob");
});

describe("collaboration server", () => {
  it("seeds from the YAML, converges two editors, and survives a restart", async () => {
    const id = await createExperiment("epochs: 10\n");
    let server = await start();
    const a = client(server, id, alice.cookie);
    const b = client(server, id, bob.cookie);
    await Promise.all([synced(a.provider), synced(b.provider)]);
    expect(a.text.toString()).toBe("epochs: 10\n");
    expect(server.loads.get(id)).toBe(1); // two first joiners, one load

    a.text.insert(0, "# alice\n");
    b.text.insert(b.text.length, "seed: 3\n");
    await expect.poll(() => a.text.toString(), poll).toBe("# alice\nepochs: 10\nseed: 3\n");
    await expect.poll(() => b.text.toString(), poll).toBe(a.text.toString());

    a.provider.destroy();
    b.provider.destroy();
    // The last one out flushed and unloaded: state + YAML on the row, no pending update rows.
    await expect.poll(() => server.collab.loadedCount, poll).toBe(0);
    const row = await db().experiment.findUniqueOrThrow({ where: { id } });
    expect(row.yaml).toBe("# alice\nepochs: 10\nseed: 3\n");
    expect(await db().yjsUpdate.count({ where: { experimentId: id } })).toBe(0);
    await server.stop();

    server = await start();
    const c = client(server, id, bob.cookie);
    await synced(c.provider);
    expect(c.text.toString()).toBe("# alice\nepochs: 10\nseed: 3\n");
    c.provider.destroy();
    await server.stop();
  });

  it("keeps every edit another client has seen when the server dies before compacting", async () => {
    const id = await createExperiment("a: 1\n");
    const first = await start({ debounceMs: 60_000 });
    const a = client(first, id, alice.cookie);
    const b = client(first, id, bob.cookie);
    await Promise.all([synced(a.provider), synced(b.provider)]);
    for (let i = 0; i < 20; i++) a.text.insert(a.text.length, `k${i}: ${i}\n`);
    await expect.poll(() => b.text.toString(), poll).toBe(a.text.toString());
    // Nothing was compacted; a second server reading the same database stands in for the restart.
    expect((await db().experiment.findUniqueOrThrow({ where: { id } })).yaml).toBe("a: 1\n");
    const second = await start();
    const c = client(second, id, bob.cookie);
    await synced(c.provider);
    expect(c.text.toString()).toBe(a.text.toString());
    c.provider.destroy();
    a.provider.destroy();
    b.provider.destroy();
    await Promise.all([first.stop(), second.stop()]);
  });

  it("merges edits made offline when the client reconnects", async () => {
    const id = await createExperiment("x: 1\n");
    const server = await start();
    const a = client(server, id, alice.cookie);
    const b = client(server, id, bob.cookie);
    await Promise.all([synced(a.provider), synced(b.provider)]);
    a.provider.disconnect();
    a.text.insert(0, "# offline alice\n");
    b.text.insert(b.text.length, "# online bob\n");
    await expect.poll(() => b.text.toString(), poll).toBe("x: 1\n# online bob\n");
    a.provider.connect();
    const merged = "# offline alice\nx: 1\n# online bob\n";
    await expect.poll(() => a.text.toString(), poll).toBe(merged);
    await expect.poll(() => b.text.toString(), poll).toBe(merged);
    a.provider.destroy();
    b.provider.destroy();
    await server.stop();
    expect((await db().experiment.findUniqueOrThrow({ where: { id } })).yaml).toBe(merged);
  });

  it("drops document updates from a read-only connection but relays its presence", async () => {
    const id = await createExperiment("v: 1\n");
    const server = await start();
    const editor = client(server, id, alice.cookie);
    const viewer = client(server, id); // no identity: a viewer
    await Promise.all([synced(editor.provider), synced(viewer.provider)]);
    viewer.provider.awareness.setLocalStateField("user", { name: "viewer" });
    viewer.text.insert(0, "# vandal\n");
    editor.text.insert(editor.text.length, "w: 2\n");
    await expect.poll(() => viewer.text.toString(), poll).toBe("# vandal\nv: 1\nw: 2\n");
    // Relayed under the name the server gives it, not the one it claimed.
    const viewerState = () => editor.provider.awareness.getStates().get(viewer.doc.clientID);
    await expect
      .poll(() => viewerState()?.user, poll)
      .toMatchObject({
        name: "Anonymous visitor",
        role: "viewer",
      });
    expect(editor.text.toString()).toBe("v: 1\nw: 2\n");
    editor.provider.destroy();
    viewer.provider.destroy();
    await server.stop();
    expect((await db().experiment.findUniqueOrThrow({ where: { id } })).yaml).toBe("v: 1\nw: 2\n");
  });

  it("closes only the connection that sends garbage, and hides private experiments", async () => {
    const id = await createExperiment("g: 1\n");
    const server = await start();
    const a = client(server, id, alice.cookie);
    await synced(a.provider);
    const raw = rawSocket(server, id, bob.cookie);
    await new Promise((resolve) => raw.once("open", resolve));
    const closed = new Promise<number>((resolve) => raw.once("close", resolve));
    raw.send(Uint8Array.of(0, 9, 200, 200));
    expect(await closed).toBe(4400);
    a.text.insert(0, "# still here\n");
    const b = client(server, id, bob.cookie);
    await synced(b.provider);
    expect(b.text.toString()).toBe("# still here\ng: 1\n");

    const secret = await createRow("s: 1\n", { visibility: "private", ownerId: alice.identity.id });
    const stranger = client(server, secret, bob.cookie);
    expect(await closeCode(stranger.provider)).toBe(4404);
    stranger.provider.destroy();
    const owner = client(server, secret, alice.cookie);
    await synced(owner.provider);
    expect(owner.text.toString()).toBe("s: 1\n");
    for (const p of [a.provider, b.provider, owner.provider]) p.destroy();
    await server.stop();
  });

  it("compacts while editors stay connected, and closes only a sender of oversized messages", async () => {
    const id = await createExperiment("c: 1\n");
    const server = await start({ maxMessageBytes: 64 * 1024 });
    const a = client(server, id, alice.cookie);
    await synced(a.provider);
    for (let i = 0; i < 10; i++) a.text.insert(a.text.length, `k${i}: ${i}\n`);
    const expected = a.text.toString();
    await expect
      .poll(async () => (await db().experiment.findUniqueOrThrow({ where: { id } })).yaml, poll)
      .toBe(expected);
    expect(await db().yjsUpdate.count({ where: { experimentId: id } })).toBe(0);

    const raw = rawSocket(server, id, bob.cookie);
    await new Promise((resolve) => raw.once("open", resolve));
    const closed = new Promise<number>((resolve) => raw.once("close", resolve));
    raw.send(new Uint8Array(100 * 1024));
    expect(await closed).toBe(1009);
    a.text.insert(0, "# alive\n");
    const b = client(server, id, bob.cookie);
    await synced(b.provider);
    expect(b.text.toString()).toBe(`# alive\n${expected}`);
    a.provider.destroy();
    b.provider.destroy();
    await server.stop();
  });

  it("refuses upgrades from other sites' pages before any upgrade", async () => {
    const id = await createExperiment("o: 1\n");
    const server = await start();
    for (const origin of [
      undefined,
      "null",
      "http://evil.example",
      `http://127.0.0.1:${server.port + 1}`,
    ]) {
      const raw = new WebSocket(`ws://127.0.0.1:${server.port}/yjs/${id}`, {
        headers: { cookie: alice.cookie, ...(origin ? { origin } : {}) },
      });
      const status = await new Promise<number>((resolve) => {
        raw.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
        raw.once("open", () => resolve(101));
      });
      expect(status, String(origin)).toBe(403);
      raw.on("error", () => {});
      raw.terminate();
    }
    expect(server.collab.loadedCount).toBe(0);
    await server.stop();
  });

  it("cuts a member whose access is revoked: removed → refused, lowered → back read-only; ended sessions too", async () => {
    const owner = await signedIn();
    const carol = await signedIn();
    const id = await createRow("r: 1\n", {
      visibility: "private",
      ownerId: owner.identity.id,
      members: { [carol.identity.id]: "editor" },
    });
    const server = await start();
    const c = client(server, id, carol.cookie);
    await synced(c.provider);
    // Lowered to viewer: cut, and back at once read-only (its edits no longer reach anyone).
    const lowered = closeCode(c.provider);
    await addMember(owner.identity.id, id, carol.identity.name, "viewer");
    expect(await lowered).toBe(4001);
    await synced(c.provider);
    const o = client(server, id, owner.cookie);
    await synced(o.provider);
    c.text.insert(0, "# carol was here\n");
    o.text.insert(o.text.length, "s: 2\n");
    await expect.poll(() => c.text.toString(), poll).toBe("# carol was here\nr: 1\ns: 2\n");
    expect(o.text.toString()).toBe("r: 1\ns: 2\n");
    // Removed from a private experiment: cut, and refused on reconnect.
    const removed = closeCode(c.provider);
    await revokeMember(owner.identity.id, id, carol.identity.id);
    expect(await removed).toBe(4403);
    c.provider.destroy(); // 44xx: y-websocket does not retry; a fresh tab is refused
    const again = client(server, id, carol.cookie);
    expect(await closeCode(again.provider)).toBe(4404);
    again.provider.destroy();

    const ended = closeCode(o.provider);
    await revokeSession(owner.identity.id, owner.identity.sessionId!);
    expect(await ended).toBe(4401);
    o.provider.destroy();
    await server.stop();
  });

  it("closes a connection that floods messages, and only that one", async () => {
    const id = await createExperiment("f: 1\n");
    const server = await start({ messagesPerSecond: 50 });
    const a = client(server, id, alice.cookie);
    await synced(a.provider);
    const raw = rawSocket(server, id, bob.cookie);
    await new Promise((resolve) => raw.once("open", resolve));
    const closed = new Promise<number>((resolve) => raw.once("close", resolve));
    const query = Uint8Array.of(3); // queryAwareness: harmless on its own
    for (let i = 0; i < 200; i++) raw.send(query);
    expect(await closed).toBe(4420);
    a.text.insert(0, "# fine\n");
    const b = client(server, id, bob.cookie);
    await synced(b.provider);
    expect(b.text.toString()).toBe("# fine\nf: 1\n");
    a.provider.destroy();
    b.provider.destroy();
    await server.stop();
  });
});
