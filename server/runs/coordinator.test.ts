/**
 * The run lifecycle's contract, run on both adapter sets, built alike (embedded: in-memory queue and
 * bus, child-process trainer hosts; cluster: BullMQ and Redis under the test's key prefix,
 * in-process trainer hosts), against a fresh PostgreSQL database: the same calls must give the same
 * states, events and rows.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createExperiment, signedIn } from "../collab/testing";
import { TEST_REDIS_URL, testServices, tinyExperiment } from "../cluster/testing/services";
import type { FramePayload, RunState } from "../domain";
import type { RunSink } from "./active-run";
import { db } from "../db/client";
import { BullRunQueue } from "../cluster/bull-queue";
import { redisBus } from "../cluster/redis-bus";
import { localTrainerHost } from "../worker/local-trainer";
import { admissionFromEnv } from "./admission";
import { RunCoordinator } from "./coordinator";
import { RunExecutor } from "./executor";
import { memoryBus } from "./memory-bus";
import { memoryQueue } from "./memory-queue";
import type { RunBus, RunQueue, SpawnTrainerHost } from "./ports";
import { spawnProcessWorker } from "./run-worker";
import { RunStore } from "./store";

interface AdapterSet {
  name: string;
  queue: RunQueue;
  coordinator: RunCoordinator;
  /** A device executor on this set's queue and bus (started). */
  executor(name: string, options?: { maxConcurrentRuns?: number }): Promise<RunExecutor>;
  /** Closes every executor opened so far (a failed test must not leave one taking the next test's runs). */
  closeExecutors(): Promise<void>;
  close(): Promise<void>;
}

interface Ports {
  name: string;
  queue: () => RunQueue;
  bus: (name: string) => RunBus;
  spawn: SpawnTrainerHost;
}

const embeddedPorts = (): Ports => {
  // Executors share the one in-process bus and queue, as in the embedded server.
  const bus = memoryBus();
  const queue = memoryQueue();
  return { name: "embedded", queue: () => queue, bus: () => bus, spawn: spawnProcessWorker };
};

const clusterPorts = (prefix: string): Ports => ({
  name: "cluster",
  queue: () => new BullRunQueue({ redisUrl: TEST_REDIS_URL, prefix }),
  bus: (name) => redisBus({ redisUrl: TEST_REDIS_URL, prefix, name }),
  spawn: localTrainerHost,
});

const readYaml = async (id: string) =>
  (await db().experiment.findUnique({ where: { id } }))?.yaml ?? null;

async function adapterSet(ports: Ports, dataDir: string): Promise<AdapterSet> {
  const store = new RunStore();
  const queue = ports.queue();
  const bus = ports.bus("node-test");
  await bus.ready();
  const settings = { dataDir, fps: 20, frameFormat: "png" as const, statsIntervalMs: 50 };
  const coordinator = new RunCoordinator({
    ...settings,
    queue,
    bus,
    store,
    readYaml,
    admission: admissionFromEnv(dataDir),
  });
  const opened: { executor: RunExecutor; queue: RunQueue; bus: RunBus }[] = [];
  const closeExecutors = async () => {
    for (const { executor, queue: q, bus: b } of opened.splice(0)) {
      await executor.close().catch(() => undefined);
      if (q !== queue) await q.close();
      if (b !== bus) await b.close();
    }
  };
  return {
    name: ports.name,
    queue,
    coordinator,
    async executor(name, options = {}) {
      const admission = admissionFromEnv(dataDir);
      if (options.maxConcurrentRuns)
        admission.quotas = { ...admission.quotas, maxConcurrentRuns: options.maxConcurrentRuns };
      const own = { queue: ports.queue(), bus: ports.bus(name) };
      await own.bus.ready();
      const executor = new RunExecutor({
        ...settings,
        ...own,
        name,
        device: "cpu",
        store,
        admission,
        spawn: ports.spawn,
        concurrencyRetryMs: 200,
      });
      executor.start();
      opened.push({ executor, ...own });
      return executor;
    },
    closeExecutors,
    async close() {
      await closeExecutors();
      await coordinator.close();
    },
  };
}

const experiment = (epochs: number) => tinyExperiment(epochs, 10);
const within = { timeout: 30_000, interval: 20 };
const services = testServices();

beforeAll(() => services.start());
afterAll(() => services.stop());

describe.each([
  ["embedded", () => embeddedPorts()],
  ["cluster", () => clusterPorts(services.prefix)],
])("run lifecycle (%s adapters)", (_name, ports) => {
  let set: AdapterSet;
  /** What a room on this node receives. */
  const seen = {
    statuses: [] as RunState[],
    frames: [] as FramePayload[],
    stats: [] as number[],
    done: [] as string[],
    errors: [] as string[],
  };
  const sink: RunSink = {
    status: (_id, run) => seen.statuses.push(run),
    frame: (_id, frame) => seen.frames.push(frame),
    stats: (_id, _run, _stats, history) => seen.stats.push(...history.map((h) => h.epoch)),
    snapshot: () => undefined,
    done: (_id, done) => seen.done.push(done.runId),
    error: (_id, _code, message) => seen.errors.push(message),
  };
  const statusesOf = (runId: string) => seen.statuses.filter((s) => s.runId === runId);
  const lastStatus = (runId: string) => statusesOf(runId).at(-1)?.status;
  /** A new experiment of `epochs`, started by nobody in particular. */
  const startNew = async (epochs: number, seed: number) => {
    const id = await createExperiment(experiment(epochs));
    const r = await set.coordinator.start(id, { identity: null, seed });
    if (!r.ok) throw new Error(r.message);
    return { id, runId: r.runId };
  };

  beforeAll(async () => {
    set = await adapterSet(ports(), mkdtempSync(path.join(tmpdir(), "clipig-runs-")));
    set.coordinator.subscribe(sink);
  });
  afterEach(() => set.closeExecutors());
  afterAll(() => set.close());

  it("queues runs in order with visible positions, refuses what it must, stops a queued run", async () => {
    const runs = set.coordinator;
    const ids = await Promise.all([1, 2, 3].map(() => createExperiment(experiment(20))));
    const started: string[] = [];
    for (const id of ids) {
      const r = await runs.start(id, { identity: null, seed: 1 });
      if (!r.ok) throw new Error(r.message);
      started.push(r.runId);
    }
    expect(await runs.start(ids[0], { identity: null })).toMatchObject({ ok: false, code: "busy" });
    const bad = await createExperiment("epochs: [\n");
    expect(await runs.start(bad, { identity: null })).toMatchObject({
      ok: false,
      code: "invalid_experiment",
    });
    const huge = await createExperiment(experiment(50_000));
    expect(await runs.start(huge, { identity: null })).toMatchObject({
      ok: false,
      code: "invalid_experiment",
      message: expect.stringMatching(/at most/),
    });
    await expect.poll(() => statusesOf(started[2]).at(-1)?.queuePosition, within).toBe(3);
    expect((await runs.roomSnapshot(ids[1])).run).toMatchObject({
      runId: started[1],
      status: "queued",
      queuePosition: 2,
    });
    expect(await set.queue.counts()).toEqual({ waiting: 3, active: 0 });

    expect(runs.control(ids[1], "pause")).toMatchObject({ ok: false });
    expect(runs.control(ids[1], "stop")).toEqual({ ok: true });
    await expect.poll(() => lastStatus(started[1]), within).toBe("stopped");
    await expect.poll(() => statusesOf(started[2]).at(-1)?.queuePosition, within).toBe(2);
    expect((await db().run.findUnique({ where: { id: started[1] } }))?.status).toBe("stopped");
    expect((await set.queue.waiting()).map((j) => j.runId)).toEqual([started[0], started[2]]);

    // An executor takes them in order and finishes both.
    await set.executor("x-order");
    await expect.poll(() => seen.done.filter((d) => started.includes(d)).length, within).toBe(2);
    expect(seen.done.indexOf(started[0])).toBeLessThan(seen.done.indexOf(started[2]));
    const row = await db().run.findUnique({ where: { id: started[2] } });
    expect(row).toMatchObject({ status: "done", epoch: 19 });
    expect(row?.imagePath).toMatch(/^images\//);
    expect(seen.frames.some((f) => f.runId === started[2] && f.mime === "image/png")).toBe(true);
    expect(seen.stats.filter((e) => e === 19).length).toBeGreaterThanOrEqual(2);
    const joined = await runs.roomSnapshot(ids[2]);
    expect(joined.run).toMatchObject({ status: "done", runId: started[2] });
    expect(joined.history.at(-1)?.epoch).toBe(19);
    expect(joined.frame?.mime).toBe("image/png");
  }, 60_000);

  it("pauses, resumes, hot-updates and stops a running run; a joiner gets it live", async () => {
    const runs = set.coordinator;
    const { id, ...r } = await startNew(10_000, 5);
    await set.executor("x-control");
    await expect.poll(() => lastStatus(r.runId), within).toBe("running");
    await expect.poll(async () => (await runs.roomSnapshot(id)).frame?.runId, within).toBe(r.runId);
    const live = await runs.roomSnapshot(id);
    expect(live.run).toMatchObject({ runId: r.runId, status: "running" });

    expect(runs.control(id, "pause")).toEqual({ ok: true });
    await expect.poll(() => lastStatus(r.runId), within).toBe("paused");
    expect(runs.control(id, "resume")).toEqual({ ok: true });
    await expect.poll(() => lastStatus(r.runId), within).toBe("running");

    // Alt-U with a new text: the trainer takes it; the row keeps the new text.
    const yaml = `${experiment(10_000)}learnrate: 2\n`;
    await db().experiment.update({ where: { id }, data: { yaml } });
    expect(await runs.update(id)).toMatchObject({ ok: true });
    expect((await db().run.findUnique({ where: { id: r.runId } }))?.yaml).toBe(yaml);
    // A text that does not parse is refused with its diagnostics, and the run goes on.
    await db().experiment.update({ where: { id }, data: { yaml: "epochs: [\n" } });
    expect(await runs.update(id)).toMatchObject({ ok: false, code: "invalid_experiment" });
    expect(lastStatus(r.runId)).toBe("running");

    expect(runs.control(id, "stop")).toEqual({ ok: true });
    await expect.poll(() => lastStatus(r.runId), within).toBe("stopped");
    // The last pixels became a snapshot: the run continues after it.
    const snapshot = await db().snapshot.findFirst({
      where: { runId: r.runId },
      orderBy: { epoch: "desc" },
    });
    expect(snapshot).not.toBeNull();
    await db().experiment.update({ where: { id }, data: { yaml: experiment(10_000) } });
    const again = await runs.continue(id);
    expect(again).toEqual({ ok: true, runId: r.runId });
    const resumed = () =>
      statusesOf(r.runId)
        .filter((s) => s.status === "loading")
        .at(-1)?.epoch;
    await expect.poll(resumed, within).toBe(snapshot!.epoch + 1);
    expect(runs.control(id, "stop")).toEqual({ ok: true });
    await expect.poll(() => lastStatus(r.runId), within).toBe("stopped");
  }, 60_000);

  it("a draining executor saves a snapshot and requeues; the next one continues from it", async () => {
    const runs = set.coordinator;
    const { id, ...r } = await startNew(10_000, 2);
    const first = await set.executor("x-first");
    await expect
      .poll(async () => (await db().snapshot.count({ where: { runId: r.runId } })) > 0, within)
      .toBe(true);
    await first.drain();
    expect((await db().run.findUnique({ where: { id: r.runId } }))?.status).toBe("queued");
    const snapshot = await db().snapshot.findFirst({
      where: { runId: r.runId },
      orderBy: { epoch: "desc" },
    });
    expect(statusesOf(r.runId).some((s) => s.status === "stopped")).toBe(false);
    expect((await set.queue.waiting()).map((j) => j.runId)).toEqual([r.runId]);

    const mark = seen.statuses.length;
    await set.executor("x-second");
    const loading = () =>
      seen.statuses.slice(mark).find((s) => s.runId === r.runId && s.status === "loading");
    await expect.poll(() => loading()?.epoch, within).toBe(snapshot!.epoch + 1);
    expect(runs.control(id, "stop")).toEqual({ ok: true });
    await expect.poll(() => lastStatus(r.runId), within).toBe("stopped");
  }, 60_000);

  it("a user's second run waits while their first holds a device, even with a free executor", async () => {
    const runs = set.coordinator;
    const user = await signedIn();
    const [x, y] = await Promise.all(
      [1, 2].map(() => createExperiment(experiment(10_000), { ownerId: user.identity.id })),
    );
    const rx = await runs.start(x, { identity: user.identity, seed: 3 });
    const ry = await runs.start(y, { identity: user.identity, seed: 4 });
    if (!rx.ok || !ry.ok) throw new Error("not started");
    await Promise.all(["x-cap-1", "x-cap-2"].map((n) => set.executor(n, { maxConcurrentRuns: 1 })));
    const running = (runId: string) => lastStatus(runId) === "running";
    await expect.poll(() => running(rx.runId) || running(ry.runId), within).toBe(true);
    const [first, second] = running(rx.runId) ? [x, y] : [y, x];
    const secondRun = first === x ? ry : rx;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await db().run.findUnique({ where: { id: secondRun.runId } }))?.status).toBe("queued");
    // Held back between tries, still in line.
    await expect
      .poll(async () => (await set.queue.waiting()).map((j) => j.runId), within)
      .toEqual([secondRun.runId]);
    expect(runs.control(first, "stop")).toEqual({ ok: true });
    await expect.poll(() => running(secondRun.runId), within).toBe(true);
    expect(runs.control(second, "stop")).toEqual({ ok: true });
    await expect.poll(() => lastStatus(secondRun.runId), within).toBe("stopped");
  }, 60_000);

  it("a run whose experiment fails at the executor ends with its error stored", async () => {
    const r = await startNew(20, 6);
    // The pinned text is broken after admission (the executor vets it again).
    await db().run.update({ where: { id: r.runId }, data: { yaml: "epochs: [\n" } });
    await set.executor("x-error");
    await expect.poll(() => lastStatus(r.runId), within).toBe("error");
    const row = await db().run.findUnique({ where: { id: r.runId } });
    expect(row?.status).toBe("error");
    expect(row?.error).toBeTruthy();
    expect(seen.errors.length).toBeGreaterThan(0);
  }, 60_000);

  it("recovers: live runs the queue no longer holds are interrupted; queued ones it holds stay", async () => {
    const id = await createExperiment(experiment(20));
    const held = await set.coordinator.start(id, { identity: null, seed: 7 });
    if (!held.ok) throw new Error(held.message);
    const orphan = await createExperiment(experiment(20));
    const row = await db().run.create({
      data: {
        experimentId: orphan,
        status: "running",
        yaml: experiment(20),
        model: "tiny-clip",
        seed: 1,
        epochs: 20,
      },
    });
    expect(await set.coordinator.recover()).toBe(1);
    expect((await db().run.findUnique({ where: { id: row.id } }))?.status).toBe("interrupted");
    expect((await db().run.findUnique({ where: { id: held.runId } }))?.status).toBe("queued");
    expect(set.coordinator.control(id, "stop")).toEqual({ ok: true });
    await expect.poll(() => lastStatus(held.runId), within).toBe("stopped");
  }, 30_000);
});
