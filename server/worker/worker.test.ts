import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createExperiment, signedIn } from "../collab/testing";
import { db } from "../db/client";
import type { FramePayload, RunState } from "../domain";
import type { RunSink } from "../runs/active-run";
import { spawnProcessWorker } from "../runs/run-worker";
import { RunService } from "../runs/service";
import { RunStore } from "../runs/store";
import { admissionFromEnv } from "../runs/admission";
import { ClusterRuns } from "../cluster/cluster-runs";
import { RunQueue } from "../cluster/run-queue";
import { testServices, TEST_REDIS_URL, tinyExperiment } from "../cluster/testing";
import { GpuWorker } from "./gpu-worker";
import { parseWorkerArgs } from "./args";
import { localCache, type LocalCache } from "../storage/local-cache";
import { s3Store } from "../storage/s3";
import { s3Stub, STUB_CREDENTIALS, STUB_REGION } from "../storage/testing";

const experiment = (epochs: number) => tinyExperiment(epochs, 10);
const within = { timeout: 30_000, interval: 20 };
const services = testServices();
const prefix = services.prefix;
let dataDir: string;
let runs: ClusterRuns;
const workers: GpuWorker[] = [];

/** What a room on this node receives. */
const seen = {
  statuses: [] as (RunState & { experimentId: string })[],
  frames: [] as FramePayload[],
  stats: [] as number[],
  done: [] as string[],
};
const sink: RunSink = {
  status: (experimentId, run) => seen.statuses.push({ ...run, experimentId }),
  frame: (_id, frame) => seen.frames.push(frame),
  stats: (_id, _run, _stats, history) => seen.stats.push(...history.map((h) => h.epoch)),
  snapshot: () => undefined,
  done: (_id, done) => seen.done.push(done.runId),
  error: (_id, _code, message) => console.error("run error:", message),
};
const statusesOf = (runId: string) => seen.statuses.filter((s) => s.runId === runId);

function worker(
  id: string,
  lockMs = 30_000,
  maxConcurrentRuns?: number,
  storage?: { dataDir: string; images: LocalCache },
) {
  const admission = admissionFromEnv(dataDir);
  if (maxConcurrentRuns) admission.quotas = { ...admission.quotas, maxConcurrentRuns };
  const w = new GpuWorker({
    redisUrl: TEST_REDIS_URL,
    prefix,
    id,
    device: "cpu",
    store: new RunStore(),
    admission,
    concurrencyRetryMs: 200,
    dataDir: storage?.dataDir ?? dataDir,
    images: storage?.images,
    fps: 20,
    frameFormat: "png",
    statsIntervalMs: 50,
    lockMs,
  });
  workers.push(w);
  return w;
}

beforeAll(async () => {
  await services.start();
  dataDir = mkdtempSync(path.join(tmpdir(), "clipig-worker-"));
  const store = new RunStore();
  const readYaml = async (id: string) =>
    (await db().experiment.findUnique({ where: { id } }))?.yaml ?? null;
  const stored = new RunService({
    store,
    spawn: spawnProcessWorker,
    readYaml,
    devices: ["cpu"],
    dataDir,
    fps: 10,
    frameFormat: "png",
    statsIntervalMs: 100,
  });
  runs = new ClusterRuns({
    redisUrl: TEST_REDIS_URL,
    prefix,
    nodeId: "node-test",
    store,
    readYaml,
    stored,
    admission: admissionFromEnv(dataDir),
  });
  runs.subscribe(sink);
  await runs.ready();
});
// A failed test must not leave its workers taking the next test's runs.
afterEach(async () => {
  for (const w of workers.splice(0)) await w.close().catch(() => undefined);
});
afterAll(async () => {
  await runs?.close();
  await services.stop();
});

describe("worker arguments", () => {
  it("maps cuda:N to one visible GPU and refuses unknown devices", () => {
    expect(parseWorkerArgs(["--device", "cuda:3"])).toEqual({
      device: "cuda",
      cudaIndex: 3,
      label: "cuda:3",
      id: null,
    });
    expect(parseWorkerArgs(["--device=cpu", "--id", "w1"])).toMatchObject({
      device: "cpu",
      cudaIndex: null,
      id: "w1",
    });
    expect(() => parseWorkerArgs(["--device", "tpu"])).toThrow(/unknown device/);
    expect(() => parseWorkerArgs(["--gpu"])).toThrow(/unknown argument/);
  });
});

describe("cluster runs (BullMQ queue, in-process GPU worker, PostgreSQL)", () => {
  it("queues runs in order with visible positions; a queued run can be stopped", async () => {
    const ids = await Promise.all([1, 2, 3].map(() => createExperiment(experiment(20))));
    const started: string[] = [];
    for (const id of ids) {
      const r = await runs.start(id, { identity: null, seed: 1 });
      expect(r.ok).toBe(true);
      if (r.ok) started.push(r.runId);
    }
    expect(await runs.start(ids[0], { identity: null })).toMatchObject({ ok: false, code: "busy" });
    // Refused like the embedded server refuses: parse errors and quotas, with diagnostics.
    const bad = await createExperiment("epochs: [\n");
    expect(await runs.start(bad, { identity: null })).toMatchObject({
      ok: false,
      code: "invalid_experiment",
    });
    const huge = await createExperiment(experiment(50_000));
    const refused = await runs.start(huge, { identity: null });
    expect(refused).toMatchObject({
      ok: false,
      code: "invalid_experiment",
      message: expect.stringMatching(/at most/),
    });
    await expect.poll(() => statusesOf(started[2]).at(-1)?.queuePosition, within).toBe(3);
    const joined = await runs.roomSnapshot(ids[1]);
    expect(joined.run).toMatchObject({ runId: started[1], status: "queued", queuePosition: 2 });

    expect(runs.control(ids[1], "pause")).toMatchObject({ ok: false });
    expect(runs.control(ids[1], "stop")).toEqual({ ok: true });
    await expect.poll(() => statusesOf(started[1]).at(-1)?.status, within).toBe("stopped");
    await expect.poll(() => statusesOf(started[2]).at(-1)?.queuePosition, within).toBe(2);
    expect((await db().run.findUnique({ where: { id: started[1] } }))?.status).toBe("stopped");
    expect(await runs.queue.waiting()).toEqual([
      expect.objectContaining({ runId: started[0], experimentId: ids[0] }),
      expect.objectContaining({ runId: started[2], experimentId: ids[2] }),
    ]);

    // A worker takes them in order and finishes both.
    const w = worker("w-order");
    await w.start();
    await expect.poll(() => seen.done.filter((d) => started.includes(d)).length, within).toBe(2);
    expect(seen.done.indexOf(started[0])).toBeLessThan(seen.done.indexOf(started[2]));
    const row = await db().run.findUnique({ where: { id: started[2] } });
    expect(row).toMatchObject({ status: "done", epoch: 19 });
    expect(row?.imagePath).toMatch(/^images\//);
    expect(seen.frames.some((f) => f.runId === started[2] && f.mime === "image/png")).toBe(true);
    expect((await runs.roomSnapshot(ids[2])).run).toMatchObject({
      status: "done",
      runId: started[2],
    });
    await w.close();
  }, 60_000);

  it("a draining worker saves a snapshot and requeues; the next worker continues from it", async () => {
    const id = await createExperiment(experiment(10_000));
    const r = await runs.start(id, { identity: null, seed: 2 });
    if (!r.ok) throw new Error(r.message);
    const first = worker("w-first");
    await first.start();
    await expect
      .poll(async () => (await db().snapshot.count({ where: { runId: r.runId } })) > 0, within)
      .toBe(true);
    const live = await runs.roomSnapshot(id);
    expect(live.run).toMatchObject({ runId: r.runId, status: "running" });
    expect(live.frame?.runId).toBe(r.runId);

    await first.drain();
    const row = await db().run.findUnique({ where: { id: r.runId } });
    expect(row?.status).toBe("queued");
    const snapshot = await db().snapshot.findFirst({
      where: { runId: r.runId },
      orderBy: { epoch: "desc" },
    });
    expect(snapshot).not.toBeNull();
    expect(statusesOf(r.runId).some((s) => s.status === "stopped")).toBe(false);
    expect(await runs.queue.position(r.runId)).toBe(1);

    const mark = seen.statuses.length;
    const second = worker("w-second");
    await second.start();
    await expect
      .poll(
        () =>
          seen.statuses.slice(mark).find((s) => s.runId === r.runId && s.status === "running")
            ?.epoch,
        within,
      )
      .toBeGreaterThan(snapshot!.epoch);
    const resumed = seen.statuses
      .slice(mark)
      .find((s) => s.runId === r.runId && s.status === "loading");
    expect(resumed?.epoch).toBe(snapshot!.epoch + 1);
    expect(runs.control(id, "stop")).toEqual({ ok: true });
    await expect.poll(() => statusesOf(r.runId).at(-1)?.status, within).toBe("stopped");
    await second.close();
  }, 60_000);
});

describe("per-user concurrency", () => {
  it("a user's second run waits while their first holds a device, even with a free worker", async () => {
    const user = await signedIn();
    const [x, y] = await Promise.all(
      [1, 2].map(() => createExperiment(experiment(10_000), { ownerId: user.identity.id })),
    );
    const rx = await runs.start(x, { identity: user.identity, seed: 3 });
    const ry = await runs.start(y, { identity: user.identity, seed: 4 });
    if (!rx.ok || !ry.ok) throw new Error("not started");
    const one = worker("w-cap-1", 30_000, 1);
    const two = worker("w-cap-2", 30_000, 1);
    await Promise.all([one.start(), two.start()]);
    // Both workers pick a job at once, so either run may win the user's one slot.
    const running = (runId: string) => statusesOf(runId).at(-1)?.status === "running";
    await expect.poll(() => running(rx.runId) || running(ry.runId), within).toBe(true);
    const [first, second] = running(rx.runId) ? [x, y] : [y, x];
    const [firstRun, secondRun] = first === x ? [rx, ry] : [ry, rx];
    await new Promise((r) => setTimeout(r, 1000));
    expect((await db().run.findUnique({ where: { id: secondRun.runId } }))?.status).toBe("queued");
    await expect.poll(() => runs.queue.position(secondRun.runId), within).toBe(1); // held back (delayed) between tries
    expect(runs.control(first, "stop")).toEqual({ ok: true });
    await expect.poll(() => statusesOf(firstRun.runId).at(-1)?.status, within).toBe("stopped");
    await expect.poll(() => statusesOf(secondRun.runId).at(-1)?.status, within).toBe("running");
    expect(runs.control(second, "stop")).toEqual({ ok: true });
    await expect.poll(() => statusesOf(secondRun.runId).at(-1)?.status, within).toBe("stopped");
    await Promise.all([one.close(), two.close()]);
  }, 60_000);
});

describe("shared image store (S3)", () => {
  it("a worker's snapshots and final image reach a node with its own data dir", async () => {
    const stub = await s3Stub();
    const store = () =>
      s3Store({
        endpoint: stub.endpoint,
        bucket: "clipig",
        region: STUB_REGION,
        credentials: STUB_CREDENTIALS,
      });
    const workerDir = mkdtempSync(path.join(tmpdir(), "clipig-gpu-"));
    const nodeDir = mkdtempSync(path.join(tmpdir(), "clipig-web-"));
    const runStore = new RunStore();
    const readYaml = async (id: string) =>
      (await db().experiment.findUnique({ where: { id } }))?.yaml ?? null;
    const stored = new RunService({
      store: runStore,
      spawn: spawnProcessWorker,
      readYaml,
      devices: ["cpu"],
      dataDir: nodeDir,
      fps: 10,
      frameFormat: "png",
      statsIntervalMs: 100,
    });
    const node = new ClusterRuns({
      redisUrl: TEST_REDIS_URL,
      prefix,
      nodeId: "node-s3",
      store: runStore,
      readYaml,
      stored,
      admission: admissionFromEnv(nodeDir),
      ensureLocal: (relative) => localCache(store(), nodeDir).ensureLocal(relative),
    });
    await node.ready();
    const w = worker("w-s3", 30_000, undefined, {
      dataDir: workerDir,
      images: localCache(store(), workerDir),
    });
    await w.start();
    const id = await createExperiment(experiment(30));
    const r = await node.start(id, { identity: null, seed: 9 });
    if (!r.ok) throw new Error(r.message);
    await expect
      .poll(async () => (await db().run.findUnique({ where: { id: r.runId } }))?.status, within)
      .toBe("done");
    await expect
      .poll(() => stub.objects.has(`/clipig/images/${r.runId}/final.png`), within)
      .toBe(true);
    expect(stub.objects.has(`/clipig/images/${r.runId}/snap-10.png`)).toBe(true);
    expect(stub.rejected).toEqual([]);
    // The node never saw the worker's disk: it fetches the final image from the store to show it.
    const joined = await node.roomSnapshot(id);
    expect(joined.run).toMatchObject({ runId: r.runId, status: "done" });
    expect(joined.frame?.mime).toBe("image/png");
    expect(existsSync(path.join(nodeDir, "images", r.runId, "final.png"))).toBe(true);
    await w.close();
    await node.close();
    stub.server.close();
  }, 60_000);
});

describe("run queue adapter", () => {
  it("cancel only takes waiting runs", async () => {
    const q = new RunQueue(TEST_REDIS_URL, `${prefix}q2:`);
    await q.enqueue({ runId: "a", experimentId: "e1", model: "tiny-clip", epoch: 0, epochs: 1 });
    expect(
      await q.enqueue({ runId: "b", experimentId: "e2", model: "tiny-clip", epoch: 0, epochs: 1 }),
    ).toBe(2);
    expect(await q.cancel("a")).toBe(true);
    expect(await q.cancel("a")).toBe(false);
    expect(await q.position("b")).toBe(1);
    expect(await q.counts()).toEqual({ waiting: 1, active: 0 });
    await q.close();
  });
});
