import { beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import WebSocket from "ws";
import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";
import { db } from "../db/client";
import { accessExtension } from "./access";
import { CollabServer } from "./collab-server";
import { databaseExtension } from "./database";
import { handleYjsUpgrade } from "./endpoint";
import { createExperiment, guest, useTempDatabase } from "./testing";
import type { Extension } from "./types";

interface Running {
  collab: CollabServer;
  http: Server;
  port: number;
  loads: Map<string, number>;
  stop(): Promise<void>;
}

async function start(opts: { debounceMs?: number; maxMessageBytes?: number } = {}): Promise<Running> {
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
  });
  const http = createServer((_req, res) => res.end());
  http.on("upgrade", (req, socket, head) => handleYjsUpgrade(collab, req, socket, head) || socket.destroy());
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  return {
    collab,
    http,
    loads,
    port: (http.address() as AddressInfo).port,
    async stop() {
      await collab.close();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}

/** A y-websocket client as the studio page opens it, with the visitor's cookie (if any). */
function client(server: Running, room: string, cookie?: string, doc = new Y.Doc()) {
  class CookieSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers: cookie ? { cookie } : {} });
    }
  }
  const provider = new WebsocketProvider(`ws://127.0.0.1:${server.port}/yjs`, room, doc, {
    WebSocketPolyfill: CookieSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  });
  return { doc, provider, text: doc.getText("yaml") };
}

const synced = (p: WebsocketProvider) =>
  new Promise<void>((resolve) => (p.synced ? resolve() : p.once("sync", (s: boolean) => s && resolve())));

const closeCode = (p: WebsocketProvider) =>
  new Promise<number>((resolve) => p.once("connection-close", (e: CloseEvent | null) => resolve(e?.code ?? 0)));

const poll = { timeout: 5000, interval: 10 };
const alice = guest();
const bob = guest();

beforeAll(async () => {
  await useTempDatabase();
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
    await expect
      .poll(() => [...editor.provider.awareness.getStates().values()].some((s) => s.user?.name === "viewer"), poll)
      .toBe(true);
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
    const raw = new WebSocket(`ws://127.0.0.1:${server.port}/yjs/${id}`, { headers: { cookie: bob.cookie } });
    await new Promise((resolve) => raw.once("open", resolve));
    const closed = new Promise<number>((resolve) => raw.once("close", resolve));
    raw.send(Uint8Array.of(0, 9, 200, 200));
    expect(await closed).toBe(4400);
    a.text.insert(0, "# still here\n");
    const b = client(server, id, bob.cookie);
    await synced(b.provider);
    expect(b.text.toString()).toBe("# still here\ng: 1\n");

    await db().user.create({ data: { id: alice.identity.id, username: "alice", displayName: "Alice" } });
    const secret = await createExperiment("s: 1\n", { visibility: "private", ownerId: alice.identity.id });
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
    await expect.poll(async () => (await db().experiment.findUniqueOrThrow({ where: { id } })).yaml, poll).toBe(expected);
    expect(await db().yjsUpdate.count({ where: { experimentId: id } })).toBe(0);

    const raw = new WebSocket(`ws://127.0.0.1:${server.port}/yjs/${id}`, { headers: { cookie: bob.cookie } });
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
});
