import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { io as connect } from "socket.io-client";
import WebSocket from "ws";
import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";
import { startStudioServer, type StudioServer } from "./studio-server";

let server: StudioServer;

beforeAll(async () => {
  server = await startStudioServer({
    port: 0,
    host: "127.0.0.1",
    handle: (_req, res) => res.end("pages"),
  });
});
afterAll(async () => server.close());

function provider(room: string, doc: Y.Doc) {
  return new WebsocketProvider(`ws://127.0.0.1:${server.port}/yjs`, room, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
  });
}

describe("one port, three endpoints", () => {
  it("serves pages over plain HTTP", async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/`);
    expect(await res.text()).toBe("pages");
  });

  it("speaks Socket.IO and validates room joins", async () => {
    const socket = connect(`http://127.0.0.1:${server.port}`, { transports: ["websocket"] });
    const hello = await new Promise<{ protocol: number }>((resolve) => socket.once("hello", resolve));
    expect(hello.protocol).toBe(1);
    const bad = await socket.emitWithAck("room:join", { experimentId: "../etc" });
    expect(bad).toMatchObject({ ok: false, code: "bad_request" });
    const good = await socket.emitWithAck("room:join", { experimentId: "abc" });
    expect(good).toEqual({ ok: true });
    socket.close();
  });

  it("syncs a Yjs document between two clients over /yjs/<room>", async () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    const pa = provider("room1", a);
    const pb = provider("room1", b);
    a.getText("yaml").insert(0, "epochs: 300\n");
    await expect.poll(() => b.getText("yaml").toString(), { timeout: 5000 }).toBe("epochs: 300\n");
    pa.destroy();
    pb.destroy();
  });

  it("refuses malformed Yjs room names", async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/yjs/bad%20room`);
    const err = await new Promise<Error>((resolve) => ws.once("error", resolve));
    expect(err.message).toMatch(/400/);
  });
});
