// Benchmarks the studio's real-time paths on a real server, real sockets and a real SQLite file:
//  - frames: N viewers (socket.io-client) in one room, frames published at F fps through the
//    room hub (encoded with sharp as runs encode them); delivery latency and dropped frames.
//  - yjs: E y-websocket editors typing into one experiment; per edit, the time until every
//    document contains it (the server persists each batch before relaying it).
// Baselines from the same process: a bare Socket.IO broadcast of the same frame to the same number
// of clients (no flow control, no acks), and a bare `ws` echo round trip.
// Usage: tsx bench/realtime.ts [--viewers 50] [--fps 10] [--seconds 10] [--editors 20] [--typing 5] [--rate 8]
// Prints one JSON object.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import { Server } from "socket.io";
import { io as connect, type Socket } from "socket.io-client";
import WebSocket, { WebSocketServer } from "ws";
import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";
import { createExperiment, guest, useTempDatabase } from "../server/collab/testing";
import { closeDb } from "../server/db/client";
import type { ClientToServerEvents, ServerToClientEvents } from "../server/realtime/protocol";
import { encodeFrame } from "../server/runs/images";
import { startStudioServer } from "../server/studio-server";

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ""), process.argv[i + 1]);
const num = (k: string, d: number) => Number(args.get(k) ?? d);
const VIEWERS = num("viewers", 50);
const FPS = num("fps", 10);
const SECONDS = num("seconds", 10);
const EDITORS = num("editors", 20);
const TYPING_SECONDS = num("typing", 5);
const KEYS_PER_SECOND = num("rate", 8); // per editor

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number) => Math.round(x * 100) / 100;
function pct(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);
}
const summary = (v: number[]) => ({ p50: pct(v, 50), p95: pct(v, 95), max: pct(v, 100), n: v.length });

/** A 224×224 frame that changes every epoch, as a run produces them. */
function pixels(epoch: number) {
  const [width, height] = [224, 224];
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < rgba.length; i++) rgba[i] = (i * 31 + epoch * 17 + ((i >> 10) ^ epoch)) & 255;
  return { epoch, width, height, rgba };
}

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

async function benchFrames(port: number, experimentId: string) {
  const cookie = guest().cookie;
  const viewers: Client[] = [];
  const received = new Map<number, number[]>(); // epoch → arrival times
  for (let i = 0; i < VIEWERS; i++) {
    const socket: Client = connect(`http://127.0.0.1:${port}`, { transports: ["websocket"], extraHeaders: { cookie }, forceNew: true });
    socket.on("frame", (frame, ack) => {
      const at = performance.now();
      ack();
      const list = received.get(frame.epoch) ?? [];
      list.push(at);
      received.set(frame.epoch, list);
    });
    viewers.push(socket);
  }
  // Joins go through the rate limit per socket and the role check, as a browser's would.
  for (const v of viewers) {
    const res = await v.emitWithAck("room:join", { experimentId });
    if (!res.ok) throw new Error(`join failed: ${res.message}`);
  }
  return {
    viewers,
    received,
    close: () => viewers.forEach((v) => v.close()),
  };
}

async function main() {
  await useTempDatabase();
  const server = await startStudioServer({ port: 0, host: "127.0.0.1", handle: (_req, res) => res.end() });
  const experimentId = await createExperiment("epochs: 100\n");

  // ---- frames through the studio: latest-wins per viewer ---------------------------------------
  const room = await benchFrames(server.port, experimentId);
  await sleep(300);
  const published = new Map<number, number>();
  const encodeMs: number[] = [];
  let frameBytes = 0;
  const total = Math.round(FPS * SECONDS);
  const start = performance.now();
  for (let epoch = 0; epoch < total; epoch++) {
    const due = start + (epoch * 1000) / FPS;
    await sleep(Math.max(0, due - performance.now()));
    const t0 = performance.now();
    published.set(epoch, t0);
    const encoded = await encodeFrame(pixels(epoch), "png");
    encodeMs.push(performance.now() - t0);
    frameBytes = encoded.data.byteLength;
    server.rooms.frame(experimentId, { runId: "bench", ...encoded });
  }
  await sleep(1000);
  const latencies: number[] = [];
  let deliveries = 0;
  for (const [epoch, times] of room.received) {
    deliveries += times.length;
    for (const t of times) latencies.push(t - published.get(epoch)!);
  }
  const lastEpochReached = room.received.get(total - 1)?.length ?? 0;
  room.close();

  // ---- baseline: bare Socket.IO broadcast of the same frame to as many clients ------------------
  const bareHttp = createServer();
  const bare = new Server(bareHttp);
  await new Promise<void>((r) => bareHttp.listen(0, "127.0.0.1", r));
  const barePort = (bareHttp.address() as AddressInfo).port;
  bare.on("connection", (s) => void s.join("room"));
  const bareTimes = new Map<number, number[]>();
  const bareClients = Array.from({ length: VIEWERS }, () => {
    const c = connect(`http://127.0.0.1:${barePort}`, { transports: ["websocket"], forceNew: true });
    c.on("frame", (f: { epoch: number }) => {
      const list = bareTimes.get(f.epoch) ?? [];
      list.push(performance.now());
      bareTimes.set(f.epoch, list);
    });
    return c;
  });
  await Promise.all(bareClients.map((c) => new Promise((r) => (c.connected ? r(null) : c.once("connect", () => r(null))))));
  await sleep(300);
  const bareSent = new Map<number, number>();
  const sample = await encodeFrame(pixels(0), "png");
  const bareStart = performance.now();
  const bareTotal = Math.min(total, 50);
  for (let epoch = 0; epoch < bareTotal; epoch++) {
    await sleep(Math.max(0, bareStart + (epoch * 1000) / FPS - performance.now()));
    bareSent.set(epoch, performance.now());
    bare.to("room").emit("frame", { ...sample, epoch });
  }
  await sleep(1000);
  const bareLatencies = [...bareTimes].flatMap(([epoch, times]) => times.map((t) => t - bareSent.get(epoch)!));
  bareClients.forEach((c) => c.close());
  await bare.close();

  // ---- Yjs: editors typing into one document --------------------------------------------------
  const cookie = guest().cookie;
  class CookieSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers: { cookie } });
    }
  }
  const editors = Array.from({ length: EDITORS }, () => {
    const doc = new Y.Doc();
    const provider = new WebsocketProvider(`ws://127.0.0.1:${server.port}/yjs`, experimentId, doc, {
      WebSocketPolyfill: CookieSocket as unknown as typeof globalThis.WebSocket,
      disableBc: true,
    });
    return { doc, provider, text: doc.getText("yaml") };
  });
  await Promise.all(editors.map((e) => new Promise((r) => (e.provider.synced ? r(null) : e.provider.once("sync", () => r(null))))));

  interface Edit { client: number; clock: number; at: number; seenBy: number; doneAt?: number }
  const edits: Edit[] = [];
  const byClient = new Map<number, Edit[]>();
  const cursor = editors.map(() => new Map<number, number>()); // per doc: client → index of first unseen edit
  const check = (d: number) => {
    const doc = editors[d].doc;
    for (const [client, list] of byClient) {
      const state = Y.getState(doc.store, client);
      let i = cursor[d].get(client) ?? 0;
      while (i < list.length && list[i].clock < state) {
        const e = list[i++];
        if (++e.seenBy === EDITORS) e.doneAt = performance.now();
      }
      cursor[d].set(client, i);
    }
  };
  editors.forEach((e, d) => e.doc.on("update", () => check(d)));

  const typingStart = performance.now();
  const interval = 1000 / KEYS_PER_SECOND;
  await Promise.all(
    editors.map(async (e, d) => {
      await sleep(Math.random() * interval);
      while (performance.now() - typingStart < TYPING_SECONDS * 1000) {
        const clock = Y.getState(e.doc.store, e.doc.clientID);
        const edit: Edit = { client: e.doc.clientID, clock, at: performance.now(), seenBy: 0 };
        edits.push(edit);
        const list = byClient.get(edit.client) ?? [];
        list.push(edit);
        byClient.set(edit.client, list);
        e.text.insert(Math.floor(Math.random() * (e.text.length + 1)), String.fromCharCode(97 + (d % 26)));
        await sleep(interval * (0.5 + Math.random()));
      }
    }),
  );
  const deadline = performance.now() + 10_000;
  while (edits.some((e) => e.doneAt === undefined) && performance.now() < deadline) await sleep(20);
  const converge = edits.filter((e) => e.doneAt !== undefined).map((e) => e.doneAt! - e.at);
  const texts = new Set(editors.map((e) => e.text.toString()));
  editors.forEach((e) => e.provider.destroy());

  // ---- baseline: bare ws echo round trip ------------------------------------------------------
  const echoHttp = createServer();
  const echo = new WebSocketServer({ server: echoHttp });
  echo.on("connection", (ws) => ws.on("message", (m) => ws.send(m)));
  await new Promise<void>((r) => echoHttp.listen(0, "127.0.0.1", r));
  const ws = new WebSocket(`ws://127.0.0.1:${(echoHttp.address() as AddressInfo).port}`);
  await new Promise((r) => ws.once("open", r));
  const rtts: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    await new Promise((r) => {
      ws.once("message", r);
      ws.send(new Uint8Array(32));
    });
    rtts.push(performance.now() - t0);
  }
  ws.close();
  echo.close();
  echoHttp.close();

  await server.close();
  await closeDb();

  const frameLatency = summary(latencies);
  const bare50 = summary(bareLatencies);
  const convergence = summary(converge);
  const wsRtt = summary(rtts);
  const dropped = total * VIEWERS - deliveries;
  console.log(
    JSON.stringify(
      {
        machine: { cpus: os.cpus().length, node: process.version },
        frames: {
          viewers: VIEWERS,
          fps: FPS,
          published: total,
          frameBytes,
          encodeMs: summary(encodeMs),
          latencyMs: frameLatency,
          deliveries,
          dropped,
          droppedShare: round(dropped / (total * VIEWERS)),
          lastFrameReachedViewers: lastEpochReached,
        },
        framesBaseline: { what: `bare Socket.IO room broadcast of the same frame to ${VIEWERS} clients, no acks`, latencyMs: bare50 },
        yjs: {
          editors: EDITORS,
          keysPerSecondEach: KEYS_PER_SECOND,
          edits: edits.length,
          convergeMs: convergence,
          unconverged: edits.length - converge.length,
          documentsIdentical: texts.size === 1,
        },
        yjsBaseline: { what: "bare ws echo round trip, 32 bytes", rttMs: wsRtt },
        ratios: {
          frameP95VsBareBroadcastP95: round(frameLatency.p95 / bare50.p95),
          convergeP95VsWsRttP95: round(convergence.p95 / wsRtt.p95),
        },
        goals: {
          frameP95Ms: 100,
          convergeP95Ms: 200,
          frameMet: frameLatency.p95 <= 100,
          convergeMet: convergence.p95 <= 200,
        },
      },
      null,
      2,
    ),
  );
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
