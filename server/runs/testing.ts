/**
 * Test support for the run lifecycle: the two adapter sets the coordinator is written against,
 * built alike so one contract suite (`coordinator.test.ts`) runs on both.
 * - embedded: in-memory queue and bus, executors whose trainer host is a child process;
 * - cluster: BullMQ queue and Redis bus (under the test's key prefix), executors in GPU-worker
 *   shape whose trainer host is in the process.
 */
import { db } from "../db/client";
import { BullRunQueue } from "../cluster/bull-queue";
import { redisBus } from "../cluster/redis-bus";
import { TEST_REDIS_URL } from "../cluster/testing";
import { localTrainerHost } from "../worker/local-trainer";
import { admissionFromEnv } from "./admission";
import { RunCoordinator } from "./coordinator";
import { RunExecutor } from "./executor";
import { memoryBus } from "./memory-bus";
import { memoryQueue } from "./memory-queue";
import type { RunBus, RunQueue, SpawnTrainerHost } from "./ports";
import { spawnProcessWorker } from "./run-worker";
import { RunStore } from "./store";

export interface AdapterSet {
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

export const embeddedPorts = (): Ports => {
  // Executors share the one in-process bus and queue, as in the embedded server.
  const bus = memoryBus();
  const queue = memoryQueue();
  return { name: "embedded", queue: () => queue, bus: () => bus, spawn: spawnProcessWorker };
};

export const clusterPorts = (prefix: string): Ports => ({
  name: "cluster",
  queue: () => new BullRunQueue({ redisUrl: TEST_REDIS_URL, prefix }),
  bus: (name) => redisBus({ redisUrl: TEST_REDIS_URL, prefix, name }),
  spawn: localTrainerHost,
});

const readYaml = async (id: string) =>
  (await db().experiment.findUnique({ where: { id } }))?.yaml ?? null;

export async function adapterSet(ports: Ports, dataDir: string): Promise<AdapterSet> {
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
