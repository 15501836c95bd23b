// Benchmarks the cluster paths on this machine (PostgreSQL + Redis at their local defaults):
//  - frames: V viewers (socket.io-client, in this process) in one room, spread over two web node
//    processes; frames published into Redis as a GPU worker publishes them (the Redis run bus) at F fps;
//    frames/s delivered to all viewers together, delivery latency (publish → arrival) and frames
//    dropped by latest-wins. Baseline: all viewers on ONE node process (same Redis path).
//  - queue: R runs queued at once; time from `run:start` until each run's `loading` status, with a
//    GPU worker (in this process, BullMQ + PostgreSQL) whose trainer ends at once, so only the queue
//    and the run bookkeeping are measured. Baseline: the same run coordinator on the embedded adapters
//    (in-memory queue and bus) with the same instant trainer and the same database.
// Usage: tsx bench/cluster.ts [--viewers 200] [--fps 20] [--seconds 5] [--runs 20]
// Prints one JSON object.
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { createExperiment, tinyExperiment } from "../server/collab/testing";
import { closeDb, db } from "../server/db/client";
import { BullRunQueue } from "../server/cluster/bull-queue";
import { startWebNode, type Child } from "../server/cluster/testing/processes";
import { redisBus } from "../server/cluster/redis-bus";
import {
  clearPrefix,
  freshPostgres,
  testPrefix,
  TEST_REDIS_URL,
  useDatabase,
} from "../server/cluster/testing/services";
import type { RunState } from "../server/domain";
import type { RunSink } from "../server/runs/active-run";
import type { HostEvent, TrainerHost } from "../server/runs/ports";
import { RunCoordinator } from "../server/runs/coordinator";
import { embeddedRuns } from "../server/runs/embedded";
import { RunStore } from "../server/runs/store";
import { admissionFromEnv } from "../server/runs/admission";
import { GpuWorker } from "../server/worker/gpu-worker";
import { benchArgs } from "./common/args";
import { clock, round, sleep, summary } from "./common/measure";
import { connectViewers, joinRoom } from "./common/viewers";

const args = benchArgs();
const opt = args.nums({ viewers: 200, fps: 20, seconds: 5, runs: 20 });

/** Admission is all the YAML meets here: the trainer below ends at once. */
const experimentYaml = tinyExperiment(10, 0);

/** A realistic live frame: a 256×256 WebP as runs send them; its first 8 bytes are overwritten by each frame's send time. */
async function sampleFrame(): Promise<Uint8Array> {
  const size = 256;
  const rgba = Buffer.alloc(size * size * 4);
  let seed = 7; // a gradient with some noise, about as compressible as a CLIPig image mid-run
  const noise = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) >> 24) % 48;
  for (let i = 0; i < size * size; i++)
    rgba.set([(i % size) + noise(), (i >> 8) + noise(), 128 + noise(), 255], i * 4);
  const webp = await sharp(rgba, { raw: { width: size, height: size, channels: 4 } })
    .webp({ quality: 90, effort: 0 })
    .toBuffer();
  return new Uint8Array(webp);
}

/** Publishes frames like a worker, to `viewers` sockets spread over `ports`; measures what arrives. */
async function frames(ports: number[], prefix: string, experimentId: string, image: Uint8Array) {
  const latencies: number[] = [];
  let received = 0;
  const sockets = await connectViewers({
    count: opt.viewers,
    ports,
    onFrame: (frame, at) => {
      latencies.push(at - Buffer.from(frame.data as ArrayBuffer).readDoubleBE(0));
      received++;
    },
  });
  await joinRoom(sockets, experimentId);
  const bus = redisBus({ redisUrl: TEST_REDIS_URL, prefix, name: "bench-publisher" });
  const publisher = bus.publisher;
  // Warm-up, then measure.
  const publish = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const data = Buffer.from(image);
      data.writeDoubleBE(clock(), 0);
      publisher.frame(experimentId, {
        runId: "bench",
        epoch: i,
        width: 256,
        height: 256,
        mime: "image/webp",
        data,
      });
      await sleep(1000 / opt.fps);
    }
  };
  await publish(opt.fps);
  await sleep(500);
  latencies.length = 0;
  received = 0;
  const count = opt.fps * opt.seconds;
  const started = clock();
  await publish(count);
  await sleep(1000); // the last frames arrive
  const seconds = (clock() - started) / 1000;
  for (const s of sockets) s.close();
  await bus.close();
  return {
    viewers: opt.viewers,
    nodes: ports.length,
    framesPerSecondDelivered: round(received / seconds),
    offeredPerSecond: round((count * opt.viewers) / seconds),
    dropped: count * opt.viewers - received,
    latencyMs: summary(latencies),
    frameBytes: image.byteLength,
  };
}

/** A trainer that finishes at once with a tiny image: the queue and the run bookkeeping are all that is left. */
const instantTrainer = (): TrainerHost => ({
  alive: true,
  start(request, listener: (event: HostEvent) => void) {
    setImmediate(() => {
      const frame = {
        epoch: 0,
        width: 8,
        height: 8,
        rgba: new Uint8ClampedArray(8 * 8 * 4).fill(200),
      };
      listener({ type: "status", status: "running" });
      listener({ type: "done", frame, stats: null });
      listener({ type: "ended" });
    });
  },
  pause() {},
  resume() {},
  stop() {},
  update: async () => ({ rebuilt: false }),
  terminate: async () => undefined,
});

/** Starts `--runs` runs at once and times each until its `loading` status. */
async function queueLatency(runs: Pick<RunCoordinator, "start" | "subscribe">) {
  const ids = await Promise.all(
    Array.from({ length: opt.runs }, () => createExperiment(experimentYaml)),
  );
  const startedAt = new Map<string, number>();
  const loadingAt = new Map<string, number>();
  const doneAt = new Map<string, number>();
  const sink: RunSink = {
    status: (_id, run: RunState) => {
      if (run.status === "loading" && !loadingAt.has(run.runId)) loadingAt.set(run.runId, clock());
      if (run.status === "done") doneAt.set(run.runId, clock());
    },
    frame() {},
    stats() {},
    snapshot() {},
    done() {},
    error() {},
  };
  runs.subscribe(sink);
  const t0 = clock();
  for (const id of ids) {
    const at = clock();
    const r = await runs.start(id, { identity: null, seed: 1 });
    if (!r.ok) throw new Error(r.message);
    startedAt.set(r.runId, at);
  }
  while (doneAt.size < opt.runs && clock() - t0 < 120_000) await sleep(20);
  const waits = [...startedAt].map(([runId, at]) => (loadingAt.get(runId) ?? NaN) - at);
  // min: an idle worker picking a run up; p95: runs waiting behind others on one device.
  return {
    runs: opt.runs,
    enqueueToLoadingMs: summary(waits),
    perRunMs: round((Math.max(...doneAt.values()) - t0) / opt.runs),
    allDoneMs: round(Math.max(...doneAt.values()) - t0),
    finished: doneAt.size,
  };
}

async function main() {
  const pg = await freshPostgres();
  await useDatabase(pg.url);
  const prefix = testPrefix();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "clipig-bench-cluster-"));
  const children: Child[] = [];
  try {
    const env = {
      DATABASE_URL: pg.url,
      REDIS_URL: TEST_REDIS_URL,
      CLIPIG_REDIS_PREFIX: prefix,
      CLIPIG_DATA_DIR: dataDir,
      // 200 viewers from loopback are one address to each node: the per-address caps are off.
      CLIPIG_MAX_SOCKETS_PER_ADDRESS: "0",
      CLIPIG_MAX_YJS_CONNECTIONS_PER_ADDRESS: "0",
    };
    const nodes = await Promise.all(
      ["bench-a", "bench-b"].map(async (name) => {
        const node = await startWebNode(name, env);
        children.push(node.child);
        return node.port;
      }),
    );
    const experimentId = await createExperiment(experimentYaml);
    const image = await sampleFrame();
    const oneNode = await frames([nodes[0]], prefix, experimentId, image);
    const twoNodes = await frames(nodes, prefix, experimentId, image);
    await Promise.all(children.map((c) => c.stop()));

    // Queue: the cluster path (BullMQ + one worker) against the embedded queue, same database.
    const store = new RunStore();
    const readYaml = async (id: string) =>
      (await db().experiment.findUnique({ where: { id } }))?.yaml ?? null;
    const settings = { dataDir, fps: 10, frameFormat: "png" as const, statsIntervalMs: 100 };
    const admission = admissionFromEnv(dataDir);
    const bus = redisBus({ redisUrl: TEST_REDIS_URL, prefix, name: "bench" });
    const clusterRuns = new RunCoordinator({
      ...settings,
      queue: new BullRunQueue({ redisUrl: TEST_REDIS_URL, prefix }),
      bus,
      store,
      readYaml,
      admission,
    });
    await bus.ready();
    const worker = new GpuWorker({
      redisUrl: TEST_REDIS_URL,
      prefix,
      id: "bench-worker",
      device: "cpu",
      store,
      admission,
      ...settings,
      trainer: instantTrainer,
    });
    await worker.start();
    const cluster = await queueLatency(clusterRuns);
    await worker.close();
    await clusterRuns.close();
    const local = embeddedRuns({
      ...settings,
      store,
      readYaml,
      devices: ["cpu"],
      spawn: instantTrainer,
    });
    const embedded = await queueLatency(local.coordinator);
    await local.close();

    console.log(
      JSON.stringify(
        {
          machine: { cpus: os.cpus().length, node: process.version },
          frames: { twoNodes, baselineOneNode: oneNode, fps: opt.fps, seconds: opt.seconds },
          queue: { cluster, baselineEmbedded: embedded },
        },
        null,
        2,
      ),
    );
  } finally {
    await Promise.all(children.map((c) => c.kill()));
    await closeDb();
    await pg.drop();
    await clearPrefix(prefix);
  }
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
