// Benchmarks the studio's real-time paths: a real studio server (own process, as in production,
// where browsers do not share its event loop), real sockets, a real SQLite file.
//  - frames: N viewers (socket.io-client) in one room; the server publishes frames at F fps through
//    the room hub, PNG-encoded with sharp as runs encode them; delivery latency (from the start of
//    encoding to arrival) and frames dropped by latest-wins.
//  - yjs: E y-websocket editors typing into one experiment; per keystroke, the time until every
//    editor's document contains it (the server persists each batch before relaying it).
// Baselines from the same server process: a bare Socket.IO room broadcast of the same frames to
// as many clients (no acks, no flow control), and a bare `ws` echo round trip.
// Usage: tsx bench/realtime.ts [--viewers 50] [--fps 10] [--seconds 10] [--format webp|png] [--editors 20] [--typing 5] [--rate 8]
// Prints one JSON object.
import { fork } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { Server } from "socket.io";
import { io as connect, type Socket } from "socket.io-client";
import WebSocket, { WebSocketServer } from "ws";
import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";
import { createExperiment, guest, useTempDatabase } from "../server/collab/testing";
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
const FORMAT = args.get("format") === "png" ? "png" : "webp"; // live frames, as CLIPIG_FRAME_FORMAT

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes. */
const clock = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number) => Math.round(x * 100) / 100;
function pct(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);
}
const summary = (v: number[]) => ({ p50: pct(v, 50), p95: pct(v, 95), max: pct(v, 100), n: v.length });

type ToServer = { type: "publish"; target: "studio" | "bare"; count: number; fps: number } | { type: "stop" };
type FromServer =
  | { type: "ready"; port: number; barePort: number; echoPort: number; experimentId: string }
  | { type: "published"; sentAt: number[]; encodeMs: number[]; frameBytes: number };

// ---- the server process ------------------------------------------------------------------------

/** A 224×224 frame as a run makes them mid-way: smooth structure plus per-epoch noise. */
function pixels(epoch: number) {
  const [width, height] = [224, 224];
  const rgba = new Uint8ClampedArray(width * height * 4);
  let s = (epoch + 1) * 2654435761;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      s = (s ^ (s << 13)) >>> 0;
      s = (s ^ (s >>> 17)) >>> 0;
      s = (s ^ (s << 5)) >>> 0;
      const noise = (s & 15) - 8;
      rgba[i] = 128 + 100 * Math.sin((x + epoch) / 17) + noise;
      rgba[i + 1] = 128 + 100 * Math.cos((y - epoch) / 23) + noise;
      rgba[i + 2] = (x * y) / 200 + noise;
      rgba[i + 3] = 255;
    }
  }
  return { epoch, width, height, rgba };
}

async function serve() {
  await useTempDatabase();
  const studio = await startStudioServer({ port: 0, host: "127.0.0.1", handle: (_req, res) => res.end() });
  const experimentId = await createExperiment("epochs: 100\n");
  const bareHttp = createServer();
  const bare = new Server(bareHttp);
  bare.on("connection", (s) => void s.join("room"));
  const echoHttp = createServer();
  new WebSocketServer({ server: echoHttp }).on("connection", (ws) => ws.on("message", (m) => ws.send(m)));
  const listen = async (s: ReturnType<typeof createServer>) => {
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    return (s.address() as AddressInfo).port;
  };
  const send = (m: FromServer) => process.send!(m);
  send({ type: "ready", port: studio.port, barePort: await listen(bareHttp), echoPort: await listen(echoHttp), experimentId });

  process.on("message", async (m: ToServer) => {
    if (m.type === "stop") {
      await studio.close();
      process.exit(0);
    }
    const sentAt: number[] = [];
    const encodeMs: number[] = [];
    let frameBytes = 0;
    const start = clock();
    for (let epoch = 0; epoch < m.count; epoch++) {
      await sleep(Math.max(0, start + (epoch * 1000) / m.fps - clock()));
      const t0 = clock();
      sentAt.push(t0);
      const encoded = await encodeFrame(pixels(epoch), FORMAT);
      encodeMs.push(clock() - t0);
      frameBytes = encoded.data.byteLength;
      if (m.target === "studio") studio.rooms.frame(experimentId, { runId: "bench", ...encoded });
      else bare.to("room").emit("frame", { ...encoded, epoch });
    }
    send({ type: "published", sentAt, encodeMs, frameBytes });
  });
}

// ---- the clients (this process) ------------------------------------------------------------------

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

function startServer() {
  const child = fork(fileURLToPath(import.meta.url), ["--serve", "1"], {
    execArgv: process.execArgv,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const next = <T extends FromServer["type"]>(type: T) =>
    new Promise<Extract<FromServer, { type: T }>>((resolve) => {
      const on = (m: FromServer) => {
        if (m.type !== type) return;
        child.off("message", on);
        resolve(m as Extract<FromServer, { type: T }>);
      };
      child.on("message", on);
    });
  return { child, next, send: (m: ToServer) => child.send(m) };
}

/** Viewers record arrival times per epoch; `ack` answers the studio's latest-wins flow control. */
async function viewers(port: number, join: string | null) {
  const arrivals = new Map<number, number[]>();
  const cookie = guest().cookie;
  const sockets = Array.from({ length: VIEWERS }, () => {
    const socket: Client = connect(`http://127.0.0.1:${port}`, { transports: ["websocket"], extraHeaders: { cookie }, forceNew: true });
    socket.on("frame", (frame, ack) => {
      const at = clock();
      if (typeof ack === "function") ack();
      const list = arrivals.get(frame.epoch) ?? [];
      list.push(at);
      arrivals.set(frame.epoch, list);
    });
    return socket;
  });
  await Promise.all(sockets.map((s) => new Promise((r) => (s.connected ? r(null) : s.once("connect", () => r(null))))));
  if (join) {
    for (const s of sockets) {
      const res = await s.emitWithAck("room:join", { experimentId: join });
      if (!res.ok) throw new Error(`join failed: ${res.message}`);
    }
  }
  return { arrivals, close: () => sockets.forEach((s) => s.close()) };
}

async function frames(server: ReturnType<typeof startServer>, port: number, target: "studio" | "bare", experimentId: string) {
  const room = await viewers(port, target === "studio" ? experimentId : null);
  await sleep(300);
  const count = Math.round(FPS * SECONDS);
  const done = server.next("published");
  server.send({ type: "publish", target, count, fps: FPS });
  const published = await done;
  await sleep(1000);
  room.close();
  const latencies: number[] = [];
  let deliveries = 0;
  for (const [epoch, times] of room.arrivals) {
    deliveries += times.length;
    for (const t of times) latencies.push(t - published.sentAt[epoch]);
  }
  const dropped = count * VIEWERS - deliveries;
  return {
    published: count,
    frameBytes: published.frameBytes,
    encodeMs: summary(published.encodeMs),
    latencyMs: summary(latencies),
    dropped,
    droppedShare: round(dropped / (count * VIEWERS)),
    lastFrameReachedViewers: room.arrivals.get(count - 1)?.length ?? 0,
  };
}

async function editors(port: number, experimentId: string) {
  const cookie = guest().cookie;
  class CookieSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers: { cookie } });
    }
  }
  const tabs = Array.from({ length: EDITORS }, () => {
    const doc = new Y.Doc();
    const provider = new WebsocketProvider(`ws://127.0.0.1:${port}/yjs`, experimentId, doc, {
      WebSocketPolyfill: CookieSocket as unknown as typeof globalThis.WebSocket,
      disableBc: true,
    });
    return { doc, provider, text: doc.getText("yaml") };
  });
  await Promise.all(tabs.map((e) => new Promise((r) => (e.provider.synced ? r(null) : e.provider.once("sync", () => r(null))))));

  // A keystroke is the item (client, clock); a document has it once its state for client > clock.
  interface Key { clock: number; at: number; seenBy: number; doneAt?: number }
  const keys: Key[] = [];
  const byClient = new Map<number, Key[]>();
  const seenUpTo = tabs.map(() => new Map<number, number>());
  const check = (d: number) => {
    for (const [client, list] of byClient) {
      const state = Y.getState(tabs[d].doc.store, client);
      let i = seenUpTo[d].get(client) ?? 0;
      while (i < list.length && list[i].clock < state) {
        const key = list[i++];
        if (++key.seenBy === EDITORS) key.doneAt = clock();
      }
      seenUpTo[d].set(client, i);
    }
  };
  tabs.forEach((t, d) => t.doc.on("update", () => check(d)));

  const start = clock();
  const interval = 1000 / KEYS_PER_SECOND;
  await Promise.all(
    tabs.map(async (t, d) => {
      await sleep(Math.random() * interval);
      while (clock() - start < TYPING_SECONDS * 1000) {
        const key: Key = { clock: Y.getState(t.doc.store, t.doc.clientID), at: clock(), seenBy: 0 };
        keys.push(key);
        const list = byClient.get(t.doc.clientID) ?? [];
        list.push(key);
        byClient.set(t.doc.clientID, list);
        t.text.insert(Math.floor(Math.random() * (t.text.length + 1)), String.fromCharCode(97 + (d % 26)));
        await sleep(interval * (0.5 + Math.random()));
      }
    }),
  );
  const deadline = clock() + 10_000;
  while (keys.some((k) => k.doneAt === undefined) && clock() < deadline) await sleep(20);
  const converge = keys.filter((k) => k.doneAt !== undefined).map((k) => k.doneAt! - k.at);
  const identical = new Set(tabs.map((t) => t.text.toString())).size === 1;
  tabs.forEach((t) => t.provider.destroy());
  return {
    editors: EDITORS,
    keysPerSecondEach: KEYS_PER_SECOND,
    keystrokes: keys.length,
    achievedKeysPerSecond: round(keys.length / TYPING_SECONDS),
    convergeMs: summary(converge),
    unconverged: keys.length - converge.length,
    documentsIdentical: identical,
  };
}

async function echoRtt(port: number) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}`);
  await new Promise((r) => ws.once("open", r));
  const rtts: number[] = [];
  for (let i = 0; i < 300; i++) {
    const t0 = clock();
    await new Promise((r) => {
      ws.once("message", r);
      ws.send(new Uint8Array(32));
    });
    rtts.push(clock() - t0);
  }
  ws.close();
  return summary(rtts);
}

async function main() {
  const loadBefore = os.loadavg()[0];
  const server = startServer();
  const ready = await server.next("ready");
  const studioFrames = await frames(server, ready.port, "studio", ready.experimentId);
  const bareFrames = await frames(server, ready.barePort, "bare", ready.experimentId);
  const yjs = await editors(ready.port, ready.experimentId);
  const rtt = await echoRtt(ready.echoPort);
  server.send({ type: "stop" });
  await new Promise((r) => server.child.once("exit", r));

  console.log(
    JSON.stringify(
      {
        machine: { cpus: os.cpus().length, node: process.version, loadAverage1m: { before: round(loadBefore), after: round(os.loadavg()[0]) } },
        frames: { viewers: VIEWERS, fps: FPS, format: FORMAT, ...studioFrames },
        framesBaseline: { what: `bare Socket.IO room broadcast of the same frames to ${VIEWERS} clients, no acks`, ...bareFrames },
        yjs,
        yjsBaseline: { what: "bare ws echo round trip, 32 bytes, same server process", rttMs: rtt },
        ratios: {
          frameP95VsBareBroadcastP95: round(studioFrames.latencyMs.p95 / bareFrames.latencyMs.p95),
          convergeP95VsEchoRttP95: round(yjs.convergeMs.p95 / rtt.p95),
        },
        goals: {
          frameP95Ms: 100,
          convergeP95Ms: 200,
          frameMet: studioFrames.latencyMs.p95 <= 100,
          convergeMet: yjs.convergeMs.p95 <= 200,
        },
      },
      null,
      2,
    ),
  );
  process.exit(0);
}

(args.has("serve") ? serve() : main()).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
