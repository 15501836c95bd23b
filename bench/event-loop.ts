// The web process's event-loop delay (perf_hooks.monitorEventLoopDelay) while hostile work arrives,
// against an idle baseline measured in the same run. The studio server runs in its own process
// (startStudioServer, as `npm start` serves it, without pages), over a fresh SQLite file; the
// histogram lives there and reaches this process over the fork's IPC channel only (never over
// HTTP). Each phase resets it, runs its attackers for --seconds, and reads p50/p99/max:
//  - idle: nothing but a /healthz probe every 100 ms (every phase has it);
//  - admissions: run:start and anonymous views requests of an experiment whose resolution costs
//    ~60–120 ms per evaluation at every one of 100 epochs (the admission budget's case);
//  - views: anonymous views renders of a plain experiment (render processes, their queue);
//  - aliases: an editor sets the text to 14 000 aliases in 42 KB over Yjs, then run:start and views
//    requests admit it (parse in the admission threads);
//  - presence: raw Yjs frames: awareness queries and 256 KiB awareness states, anonymous.
// The per-user run-start and views buckets are opened wide, so every request reaches the work it
// aims at (with the production buckets most of them stop at the door).
// Usage: tsx bench/event-loop.ts [--seconds 5] [--concurrency 4]
// Prints one JSON object; goal: p99 under every attack ≤ 50 ms.
import { monitorEventLoopDelay } from "node:perf_hooks";
import WebSocket from "ws";
import {
  createExperiment,
  signedIn,
  synced,
  tabHeaders,
  tabSocket,
  yjsTab,
} from "../server/collab/testing";
import { awarenessUpdate, encodeAwareness } from "../server/security/messages";
import { benchArgs } from "./common/args";
import { round, sleep } from "./common/measure";
import { forkServer, fromParent, startBenchStudio, toParent } from "./common/server-child";

const args = benchArgs();
const opt = args.nums({ seconds: 5, concurrency: 4 });
const GOAL_P99_MS = 50;

const COSTLY = `0*(${Array.from({ length: 8 }, (_, i) => `comb(9000+int(t),${4000 + i})`).join("+")})`;
const COSTLY_RESOLUTION = `model: tiny-clip\nepochs: 100\nresolution:\n  - 32+${COSTLY}\n  - 32\ntargets:\n  - features:\n      - text: a pig\n`;
const PLAIN = `model: tiny-clip\nresolution: 64\ntargets:\n  - batch_size: 4\n    features:\n      - text: a plain pig\n    transforms:\n      - random_shift: 0 1\n`;
const ALIAS_BOMB = `model: tiny-clip\nepochs: 10\nx: &a [1]\ntargets:\n  - features:\n      - text: a pig\ny: [${"*a,".repeat(14_000)}]\n`;

type Loop = { p50: number; p99: number; max: number; mean: number };
type ToServer = { type: "reset" } | { type: "read" } | { type: "stop" };
type FromServer =
  | {
      type: "ready";
      port: number;
      cookie: string;
      ids: Record<"costly" | "plain" | "bomb", string>;
    }
  | { type: "loop"; loop: Loop };

// ---- the server process -------------------------------------------------------------------------

async function serve() {
  const studio = await startBenchStudio({
    sockets: { runRate: { burst: 1000, perSecond: 1000 }, rate: { burst: 1000, perSecond: 1000 } },
    api: { views: { rate: { perSecond: 1000, burst: 1000 } } },
  });
  const owner = await signedIn("bench-owner");
  const make = (yaml: string) =>
    createExperiment(yaml, { visibility: "public", ownerId: owner.identity.id });
  const ids = {
    costly: await make(COSTLY_RESOLUTION),
    plain: await make(PLAIN),
    bomb: await make("model: tiny-clip\n"),
  };
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  fromParent<ToServer>(studio, (m) => {
    if (m.type === "reset") loop.reset();
    if (m.type === "read") {
      const ms = (ns: number) => round(ns / 1e6);
      toParent<FromServer>({
        type: "loop",
        loop: {
          p50: ms(loop.percentile(50)),
          p99: ms(loop.percentile(99)),
          max: ms(loop.max),
          mean: ms(loop.mean),
        },
      });
    }
  });
  toParent<FromServer>({ type: "ready", port: studio.port, cookie: owner.cookie, ids });
}

// ---- the attackers (this process) ---------------------------------------------------------------

/** Outcomes of one phase's requests, by status or ack code. */
type Tally = Record<string, number>;
const count = (tally: Tally, key: string | number) => (tally[key] = (tally[key] ?? 0) + 1);

/** Runs `workers` loops of `step` until `seconds` have passed, then waits for the ones in flight. */
async function during(seconds: number, workers: (() => Promise<void>)[]): Promise<void> {
  const end = Date.now() + seconds * 1000;
  await Promise.all(
    workers.map(async (step) => {
      while (Date.now() < end) await step().catch(() => {});
    }),
  );
}

/** An awareness message of one client's state (y-protocols' wire format). */
const awarenessFrame = (clientId: number, state: unknown) =>
  encodeAwareness(awarenessUpdate([[clientId, 1, JSON.stringify(state)]]));
const QUERY_AWARENESS = Uint8Array.of(3);
const BIG_STATE = { user: { name: "x".repeat(256 * 1024) }, cursor: null };
let nextClientId = 1_000_000;

/**
 * One anonymous raw Yjs connection: 200 awareness queries, then a 256 KiB state for a client id of
 * its own; it ends when the server closes it (or after a second). The next one starts at once.
 */
async function presenceFlood(port: number, id: string, tally: Tally): Promise<void> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/yjs/${id}`, { headers: tabHeaders(port) });
  ws.on("error", () => {});
  const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
  await Promise.race([new Promise((resolve) => ws.once("open", resolve)), closed]);
  if (ws.readyState === WebSocket.OPEN) {
    for (let i = 0; i < 200; i++) ws.send(QUERY_AWARENESS);
    ws.send(awarenessFrame(nextClientId++, BIG_STATE));
    count(tally, "connections");
  }
  const code = await Promise.race([closed, sleep(1000).then(() => 0)]);
  count(tally, code ? `closed ${code}` : "still open");
  ws.terminate();
}

async function main() {
  const server = forkServer<ToServer, FromServer>(import.meta.url);
  const { port, cookie, ids } = await server.next("ready");
  const base = `http://127.0.0.1:${port}`;
  const headers = tabHeaders(port, cookie);
  let probes = 0;
  let probing = true;
  const probe = (async () => {
    while (probing) {
      await fetch(`${base}/healthz`).then(
        (r) => r.arrayBuffer(),
        () => null,
      );
      probes++;
      await sleep(100);
    }
  })();

  const owner = tabSocket(port, headers);
  await new Promise<void>((resolve) => owner.once("connect", () => resolve()));
  const views = (id: string, tally: Tally) => async () => {
    const res = await fetch(
      `${base}/api/experiments/${id}/views?target=0&seed=${(Math.random() * 1e6) | 0}`,
    );
    await res.arrayBuffer();
    count(tally, res.status);
  };
  const start = (id: string, tally: Tally) => async () => {
    await owner.emitWithAck("room:join", { experimentId: id });
    const ack = await owner.emitWithAck("run:start", { experimentId: id });
    count(tally, ack.ok ? "started" : ack.code);
    if (ack.ok) await owner.emitWithAck("run:stop", { experimentId: id });
  };

  const phase = async (name: string, attack: (tally: Tally) => Promise<void>) => {
    await sleep(1000); // what the previous phase left settles first
    server.send({ type: "reset" });
    const tally: Tally = {};
    const t0 = Date.now();
    await attack(tally);
    const read = server.next("loop");
    server.send({ type: "read" });
    const { loop } = await read;
    return { name, seconds: round((Date.now() - t0) / 1000), loop, requests: tally };
  };

  const results = [];
  results.push(await phase("idle", async () => void (await sleep(opt.seconds * 1000))));
  // Warm the admission threads and the render process: their boot is not an attack.
  await views(ids.plain, {})();
  results.push(
    await phase("admissions", (tally) =>
      during(opt.seconds, [
        ...Array.from({ length: opt.concurrency }, () => views(ids.costly, tally)),
        start(ids.costly, tally),
      ]),
    ),
  );
  results.push(
    await phase("views", (tally) =>
      during(
        opt.seconds,
        Array.from({ length: opt.concurrency }, () => views(ids.plain, tally)),
      ),
    ),
  );
  const editor = yjsTab(port, ids.bomb, headers);
  await synced(editor.provider);
  editor.doc.transact(() => {
    editor.text.delete(0, editor.text.length);
    editor.text.insert(0, ALIAS_BOMB);
  });
  results.push(
    await phase("aliases", (tally) =>
      during(opt.seconds, [
        ...Array.from({ length: opt.concurrency }, () => views(ids.bomb, tally)),
        start(ids.bomb, tally),
      ]),
    ),
  );
  editor.provider.destroy();
  results.push(
    await phase("presence", (tally) =>
      during(
        opt.seconds,
        Array.from({ length: opt.concurrency }, () => () => presenceFlood(port, ids.plain, tally)),
      ),
    ),
  );

  probing = false;
  await probe;
  owner.close();
  server.send({ type: "stop" });
  const idle = results[0].loop;
  const attacks = results.slice(1).map((r) => ({
    ...r,
    p99Ratio: round(r.loop.p99 / idle.p99),
    maxRatio: round(r.loop.max / idle.max),
  }));
  const worst = Math.max(...attacks.map((a) => a.loop.p99));
  console.log(
    JSON.stringify(
      {
        bench: "event-loop",
        server: "startStudioServer in a child process; loop delay sampled there (1 ms resolution)",
        seconds: opt.seconds,
        concurrency: opt.concurrency,
        healthzProbes: probes,
        idle: results[0],
        attacks,
        goal: { p99UnderAttackMs: GOAL_P99_MS, worstP99Ms: worst, met: worst <= GOAL_P99_MS },
      },
      null,
      2,
    ),
  );
  process.exit(0);
}

if (args.has("serve")) await serve();
else await main();
