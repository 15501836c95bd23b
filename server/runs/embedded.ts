/**
 * The embedded deployment of runs (`npm start` without Redis): the cluster topology with in-memory
 * adapters — a queue and a bus in this process, one executor per device slot whose trainer host is a
 * child process (reused run after run, a fresh one after a crash).
 */
import type { DeviceRequest } from "../engine/trainer/api";
import type { RunSettings } from "./active-run";
import { admissionFromEnv, type AdmissionOptions } from "./admission";
import { RunCoordinator, type CoordinatorOptions } from "./coordinator";
import { RunExecutor } from "./executor";
import { memoryBus } from "./memory-bus";
import { memoryQueue } from "./memory-queue";
import { vettedImages, type SpawnTrainerHost } from "./ports";
import { spawnProcessWorker } from "./run-worker";
import type { RunStore } from "./store";

export interface EmbeddedRunsOptions extends RunSettings {
  store: RunStore;
  readYaml: CoordinatorOptions["readYaml"];
  /** One executor per device a run may occupy (e.g. one per GPU). */
  devices: DeviceRequest[];
  /** Quotas, the image-URL policy and the uploads folder (default: from the environment). */
  admission?: AdmissionOptions;
  /** The trainer host of each slot (default: a child process). */
  spawn?: SpawnTrainerHost;
  concurrencyRetryMs?: number;
}

export interface EmbeddedRuns {
  coordinator: RunCoordinator;
  /** Records live runs as interrupted (they continue after the restart) and ends the trainer hosts. */
  close(): Promise<void>;
}

export function embeddedRuns(options: EmbeddedRunsOptions): EmbeddedRuns {
  if (!options.devices.length) throw new Error("the run queue needs at least one device slot");
  const admission = options.admission ?? admissionFromEnv(options.dataDir);
  const queue = memoryQueue();
  const bus = memoryBus();
  const handoff = vettedImages();
  const executors = options.devices.map(
    (device, i) =>
      new RunExecutor({
        ...options,
        name: `slot${i}`,
        device,
        queue,
        bus,
        admission,
        handoff,
        spawn: options.spawn ?? spawnProcessWorker,
      }),
  );
  for (const executor of executors) executor.start();
  const coordinator = new RunCoordinator({ ...options, queue, bus, admission, handoff });
  return {
    coordinator,
    async close() {
      await Promise.all(executors.map((e) => e.interrupt()));
      await coordinator.close();
    },
  };
}
