import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { io as connect } from "socket.io-client";
import WebSocket from "ws";
import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";
import {
  createExperiment,
  signedIn,
  tabHeaders,
  useTempDatabase,
  type TestCaller,
} from "./collab/testing";
import { startStudioServer, type StudioServer } from "./studio-server";

let server: StudioServer;
let alice: TestCaller;

const METRICS_TOKEN = "studio-server-test-metrics";

beforeAll(async () => {
  await useTempDatabase();
  process.env.CLIPIG_METRICS_TOKEN = METRICS_TOKEN;
  server = await startStudioServer({
    port: 0,
    host: "127.0.0.1",
    handle: (_req, res) => res.end("pages"),
  });
  alice = await signedIn();
});
afterAll(async () => server.close());

describe("one port, four endpoints", () => {
  it("serves pages over plain HTTP and answers unknown images with 404", async () => {
    expect(await (await fetch(`http://127.0.0.1:${server.port}/`)).text()).toBe("pages");
    const res = await fetch(`http://127.0.0.1:${server.port}/api/images/nope/final.png`);
    expect(res.status).toBe(404);
  });

  it("answers /healthz, /readyz (database checked) and /metrics without a cluster", async () => {
    const get = (path: string, headers: Record<string, string> = {}) =>
      fetch(`http://127.0.0.1:${server.port}${path}`, { headers });
    expect(await (await get("/healthz")).json()).toEqual({ ok: true });
    const ready = await get("/readyz");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ok: true, checks: { database: "ok" } });
    expect((await get("/metrics")).status).toBe(401); // the scraper's token only
    const metrics = await (
      await get("/metrics", { authorization: `Bearer ${METRICS_TOKEN}` })
    ).text();
    for (const name of ["clipig_runs_queued 0", "clipig_runs_active 0", "clipig_sockets"])
      expect(metrics).toContain(name);
    expect(
      (await fetch(`http://127.0.0.1:${server.port}/metrics`, { method: "POST" })).status,
    ).toBe(405);
  });

  it("speaks Socket.IO", async () => {
    const socket = connect(`http://127.0.0.1:${server.port}`, {
      transports: ["websocket"],
      extraHeaders: tabHeaders(server.port, alice.cookie),
    });
    const hello = await new Promise<{ protocol: number }>((resolve) =>
      socket.once("hello", resolve),
    );
    expect(hello.protocol).toBe(1);
    const id = await createExperiment("epochs: 3\n", {
      members: { [alice.identity.id]: "editor" },
    });
    const joined = await socket.emitWithAck("room:join", { experimentId: id });
    expect(joined).toEqual({
      ok: true,
      state: {
        role: "editor",
        run: null,
        stats: null,
        history: [],
        model: null, // no start waits for a model
        modelAccess: {
          canDownload: expect.any(Boolean),
          reason: expect.toBeOneOf([null, expect.any(String)]),
        },
      },
    });
    socket.close();
  });

  it("syncs a Yjs document between two clients over /yjs/<experimentId>", async () => {
    const id = await createExperiment("epochs: 300\n", {
      members: { [alice.identity.id]: "editor" },
    });
    class CookieSocket extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { headers: tabHeaders(server.port, alice.cookie) });
      }
    }
    const open = (doc: Y.Doc) =>
      new WebsocketProvider(`ws://127.0.0.1:${server.port}/yjs`, id, doc, {
        WebSocketPolyfill: CookieSocket as unknown as typeof globalThis.WebSocket,
        disableBc: true,
      });
    const a = new Y.Doc();
    const b = new Y.Doc();
    const pa = open(a);
    const pb = open(b);
    await expect.poll(() => b.getText("yaml").toString(), { timeout: 5000 }).toBe("epochs: 300\n");
    a.getText("yaml").insert(0, "# hi\n");
    await expect
      .poll(() => b.getText("yaml").toString(), { timeout: 5000 })
      .toBe("# hi\nepochs: 300\n");
    // run:start reads the live document, not the (not yet compacted) row.
    expect(server.collab.liveText(id, "yaml")).toBe("# hi\nepochs: 300\n");
    pa.destroy();
    pb.destroy();
  });

  it("refuses malformed Yjs room names", async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/yjs/bad%20room`);
    const err = await new Promise<Error>((resolve) => ws.once("error", resolve));
    expect(err.message).toMatch(/400/);
  });
});
