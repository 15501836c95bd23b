// Benchmarks the studio's real-time paths: a real studio server (own process, as in production,
// where browsers do not share its event loop), real sockets, a real SQLite file.
//  - frames: N viewers (socket.io-client) in one room; the server publishes frames at F fps through
//    the room hub, PNG-encoded with sharp as runs encode them; delivery latency (from the start of
//    encoding to arrival) and frames dropped by latest-wins.
//  - yjs: E y-websocket editors typing into one experiment; per keystroke, the time until every
//    editor's document contains it (the server persists each batch before relaying it).
// Baselines from the same server process: a bare Socket.IO room broadcast of the same frames to
// as many clients (no acks, no flow control), and a bare `ws` echo round trip.
// The editors run in --editor-processes client processes (default 4), as browsers do not share one
// event loop; keystroke and arrival times use the wall clock, comparable across processes.
// Usage: tsx bench/realtime.ts [--viewers 50] [--fps 10] [--seconds 10] [--format webp|png]
//                              [--editors 20] [--editor-processes 4] [--typing 5] [--rate 8]
// Prints one JSON object.
import { fork } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { Server } from "socket.io";
import WebSocket, { WebSocketServer } from "ws";
import * as Y from "yjs";
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as syncProtocol from "y-protocols/sync";
import {
  createExperiment,
  guest,
  signedIn,
  synced,
  tabHeaders,
  yjsTab,
} from "../server/collab/testing";
import { encodeFrame } from "../server/runs/images";
import { benchArgs } from "./common/args";
import { clock, round, sleep, summary } from "./common/measure";
import { forkServer, fromParent, startBenchStudio, toParent } from "./common/server-child";
import { connectViewers, joinRoom } from "./common/viewers";

const args = benchArgs();
/** `rate`: keystrokes per second of each editor; `typing`: seconds of typing. */
const opt = args.nums({ viewers: 50, fps: 10, seconds: 10, editors: 20, typing: 5, rate: 8 });
const EDITOR_PROCESSES = Math.max(1, Math.min(args.num("editor-processes", 4), opt.editors));
const FORMAT = args.get("format") === "png" ? "png" : "webp"; // live frames, as CLIPIG_FRAME_FORMAT

type ToServer =
  { type: "publish"; target: "studio" | "bare"; count: number; fps: number } | { type: "stop" };
type FromServer =
  | {
      type: "ready";
      port: number;
      barePort: number;
      echoPort: number;
      relayPort: number;
      experimentId: string;
      cookie: string;
    }
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
  const studio = await startBenchStudio({
    handle: (_req, res) => res.end(),
    // Every simulated viewer comes from loopback: one address, so the per-address caps are off.
    connections: { yjs: 0, sockets: 0 },
  });
  // Editing needs an account with the editor role; viewers may stay anonymous.
  const editor = await signedIn("bench-editor");
  const experimentId = await createExperiment("epochs: 100\n", {
    members: { [editor.identity.id]: "editor" },
  });
  const bareHttp = createServer();
  const bare = new Server(bareHttp);
  bare.on("connection", (s) => void s.join("room"));
  const echoHttp = createServer();
  new WebSocketServer({ server: echoHttp }).on("connection", (ws) =>
    ws.on("message", (m) => ws.send(m)),
  );
  // A bare y-websocket relay: no server document, no persistence — every message goes to every
  // other client, and a client's sync step 1 gets an empty step 2 so it counts as synced.
  const relayHttp = createServer();
  const relay = new WebSocketServer({ server: relayHttp });
  const empty = new Y.Doc();
  relay.on("connection", (ws) => {
    ws.on("message", (data: Buffer) => {
      for (const other of relay.clients) if (other !== ws) other.send(data);
      const decoder = decoding.createDecoder(new Uint8Array(data));
      if (decoding.readVarUint(decoder) !== 0 || decoding.readVarUint(decoder) !== 0) return;
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, 0);
      syncProtocol.writeSyncStep2(encoder, empty, decoding.readVarUint8Array(decoder));
      ws.send(encoding.toUint8Array(encoder));
    });
  });
  const listen = async (s: ReturnType<typeof createServer>) => {
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    return (s.address() as AddressInfo).port;
  };
  toParent<FromServer>({
    type: "ready",
    port: studio.port,
    barePort: await listen(bareHttp),
    echoPort: await listen(echoHttp),
    relayPort: await listen(relayHttp),
    experimentId,
    cookie: editor.cookie,
  });

  fromParent<ToServer>(studio, async (m) => {
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
    toParent<FromServer>({ type: "published", sentAt, encodeMs, frameBytes });
  });
}

// ---- the clients (this process) ------------------------------------------------------------------

const startServer = () => forkServer<ToServer, FromServer>(import.meta.url);

/** Viewers record arrival times per epoch; the bare server's room needs no join. */
async function viewers(port: number, join: string | null) {
  const arrivals = new Map<number, number[]>();
  const sockets = await connectViewers({
    count: opt.viewers,
    ports: [port],
    cookie: guest().cookie,
    onFrame: (frame, at) => {
      const list = arrivals.get(frame.epoch) ?? [];
      list.push(at);
      arrivals.set(frame.epoch, list);
    },
  });
  if (join) await joinRoom(sockets, join);
  return { arrivals, close: () => sockets.forEach((s) => s.close()) };
}

async function frames(
  server: ReturnType<typeof startServer>,
  port: number,
  target: "studio" | "bare",
  experimentId: string,
) {
  const room = await viewers(port, target === "studio" ? experimentId : null);
  await sleep(300);
  const count = Math.round(opt.fps * opt.seconds);
  const done = server.next("published");
  server.send({ type: "publish", target, count, fps: opt.fps });
  const published = await done;
  await sleep(1000);
  room.close();
  const latencies: number[] = [];
  let deliveries = 0;
  for (const [epoch, times] of room.arrivals) {
    deliveries += times.length;
    for (const t of times) latencies.push(t - published.sentAt[epoch]);
  }
  const dropped = count * opt.viewers - deliveries;
  return {
    published: count,
    frameBytes: published.frameBytes,
    encodeMs: summary(published.encodeMs),
    latencyMs: summary(latencies),
    dropped,
    droppedShare: round(dropped / (count * opt.viewers)),
    lastFrameReachedViewers: room.arrivals.get(count - 1)?.length ?? 0,
  };
}

// The editors live in EDITOR_PROCESSES client processes (browsers do not share one event loop).
type ToEditors =
  | { type: "open"; port: number; room: string; cookie: string; count: number; first: number }
  | { type: "type" }
  | { type: "report" };
type FromEditors =
  | { type: "synced" }
  | { type: "typed" }
  /** keys: [client, clock, at]; reached: [doc, client, state, at] — when a document's state for a client grew. */
  | {
      type: "report";
      keys: [number, number, number][];
      reached: [number, number, number, number][];
      texts: string[];
    };

async function editorProcess() {
  const send = (m: FromEditors) => process.send!(m);
  let tabs: ReturnType<typeof yjsTab>[] = [];
  let first = 0;
  const keys: [number, number, number][] = [];
  const reached: [number, number, number, number][] = [];
  process.on("message", async (m: ToEditors) => {
    if (m.type === "open") {
      first = m.first;
      const headers = tabHeaders(m.port, m.cookie);
      tabs = Array.from({ length: m.count }, (_, i) => {
        const doc = new Y.Doc();
        const known = new Map<number, number>();
        doc.on("update", () => {
          const at = clock();
          for (const [client, structs] of doc.store.clients) {
            const last = structs[structs.length - 1];
            const state = last.id.clock + last.length;
            if ((known.get(client) ?? 0) < state) {
              known.set(client, state);
              reached.push([first + i, client, state, at]);
            }
          }
        });
        return yjsTab(m.port, m.room, headers, { doc });
      });
      await Promise.all(tabs.map((t) => synced(t.provider)));
      send({ type: "synced" });
    } else if (m.type === "type") {
      const start = clock();
      const interval = 1000 / opt.rate;
      await Promise.all(
        tabs.map(async (t, i) => {
          await sleep(Math.random() * interval);
          while (clock() - start < opt.typing * 1000) {
            keys.push([t.doc.clientID, Y.getState(t.doc.store, t.doc.clientID), clock()]);
            t.text.insert(
              Math.floor(Math.random() * (t.text.length + 1)),
              String.fromCharCode(97 + ((first + i) % 26)),
            );
            await sleep(interval * (0.5 + Math.random()));
          }
        }),
      );
      send({ type: "typed" });
    } else {
      send({ type: "report", keys, reached, texts: tabs.map((t) => t.text.toString()) });
      tabs.forEach((t) => t.provider.destroy());
      setTimeout(() => process.exit(0), 100);
    }
  });
}

async function editors(port: number, room: string, cookie: string) {
  const hosts = Array.from({ length: EDITOR_PROCESSES }, (_, h) => {
    const child = fork(
      fileURLToPath(import.meta.url),
      ["--editors-proc", "1", ...process.argv.slice(2)],
      {
        execArgv: process.execArgv,
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      },
    );
    const count =
      Math.floor(opt.editors / EDITOR_PROCESSES) + (h < opt.editors % EDITOR_PROCESSES ? 1 : 0);
    const first =
      h * Math.floor(opt.editors / EDITOR_PROCESSES) + Math.min(h, opt.editors % EDITOR_PROCESSES);
    return { child, count, first };
  });
  const all = <T extends FromEditors["type"]>(
    type: T,
    message: ToEditors | ((h: (typeof hosts)[number]) => ToEditors),
  ) =>
    Promise.all(
      hosts.map(
        (h) =>
          new Promise<Extract<FromEditors, { type: T }>>((resolve) => {
            const on = (m: FromEditors) => {
              if (m.type !== type) return;
              h.child.off("message", on);
              resolve(m as Extract<FromEditors, { type: T }>);
            };
            h.child.on("message", on);
            h.child.send(typeof message === "function" ? message(h) : message);
          }),
      ),
    );
  await all("synced", (h) => ({
    type: "open",
    port,
    room,
    cookie,
    count: h.count,
    first: h.first,
  }));
  await all("typed", { type: "type" });
  await sleep(3000); // let the last keystrokes arrive everywhere
  const reports = await all("report", { type: "report" });

  // A keystroke (client, clock) has converged once every document's state for client exceeds clock.
  const reachedBy = new Map<number, Map<number, [number, number][]>>(); // doc → client → [state, at] ascending
  for (const r of reports) {
    for (const [doc, client, state, at] of r.reached) {
      const byClient = reachedBy.get(doc) ?? new Map<number, [number, number][]>();
      const list = byClient.get(client) ?? [];
      list.push([state, at]);
      byClient.set(client, list);
      reachedBy.set(doc, byClient);
    }
  }
  const keys = reports.flatMap((r) => r.keys);
  const converge: number[] = [];
  for (const [client, clockAt, at] of keys) {
    let last = -Infinity;
    for (let doc = 0; doc < opt.editors && last !== Infinity; doc++) {
      const seen = reachedBy
        .get(doc)
        ?.get(client)
        ?.find(([state]) => state > clockAt);
      last = seen ? Math.max(last, seen[1]) : Infinity;
    }
    if (last !== Infinity) converge.push(last - at);
  }
  const texts = new Set(reports.flatMap((r) => r.texts));
  return {
    editors: opt.editors,
    clientProcesses: EDITOR_PROCESSES,
    keysPerSecondEach: opt.rate,
    keystrokes: keys.length,
    achievedKeysPerSecond: round(keys.length / opt.typing),
    convergeMs: summary(converge),
    unconverged: keys.length - converge.length,
    documentsIdentical: texts.size === 1,
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
  await sleep(1000);
  const yjs = await editors(ready.port, ready.experimentId, ready.cookie);
  await sleep(1000);
  const relayYjs = await editors(ready.relayPort, "bench", ready.cookie);
  const rtt = await echoRtt(ready.echoPort);
  server.send({ type: "stop" });
  await new Promise((r) => server.child.once("exit", r));

  console.log(
    JSON.stringify(
      {
        machine: {
          cpus: os.cpus().length,
          node: process.version,
          loadAverage1m: { before: round(loadBefore), after: round(os.loadavg()[0]) },
        },
        frames: { viewers: opt.viewers, fps: opt.fps, format: FORMAT, ...studioFrames },
        framesBaseline: {
          what: `bare Socket.IO room broadcast of the same frames to ${opt.viewers} clients, no acks`,
          ...bareFrames,
        },
        yjs,
        yjsBaseline: {
          what: "the same editors through a bare y-websocket relay in the same server process (no document, no persistence)",
          convergeMs: relayYjs.convergeMs,
          keystrokes: relayYjs.keystrokes,
          documentsIdentical: relayYjs.documentsIdentical,
        },
        socketBaseline: {
          what: "bare ws echo round trip, 32 bytes, same server process",
          rttMs: rtt,
        },
        ratios: {
          frameP95VsBareBroadcastP95: round(studioFrames.latencyMs.p95 / bareFrames.latencyMs.p95),
          convergeP95VsBareRelayP95: round(yjs.convergeMs.p95 / relayYjs.convergeMs.p95),
          convergeP50VsBareRelayP50: round(yjs.convergeMs.p50 / relayYjs.convergeMs.p50),
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

(args.has("serve") ? serve() : args.has("editors-proc") ? editorProcess() : main()).catch(
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
