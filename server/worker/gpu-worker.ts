/**
 * A GPU worker process of a cluster: one `RunExecutor` on its device, taking runs from the BullMQ
 * queue and publishing their events on the Redis bus, with the trainer in this same process (the
 * worker already is a process of its own, off every web server's event loop).
 *
 * Heartbeat: BullMQ's job lock, renewed while the run goes on; a dead worker's lock expires and the
 * next worker's stalled-job check puts the run back in line.
 */
import type { DeviceRequest } from "../engine/trainer/api";
import type { RunSettings } from "../runs/active-run";
import type { AdmissionOptions } from "../runs/admission";
import { RunExecutor } from "../runs/executor";
import type { SpawnTrainerHost } from "../runs/ports";
import type { RunStore } from "../runs/store";
import { BullRunQueue } from "../cluster/bull-queue";
import { redisBus } from "../cluster/redis-bus";
import type { LocalCache } from "../storage/local-cache";
import { localTrainerHost } from "./local-trainer";

export interface GpuWorkerOptions extends RunSettings {
  redisUrl: string;
  prefix: string;
  /** This worker's name (heartbeat key, logs). */
  id: string;
  device: DeviceRequest;
  store: RunStore;
  admission: AdmissionOptions;
  images?: LocalCache;
  /** Job lock = heartbeat: a worker silent this long counts as dead (default 30 s). */
  lockMs?: number;
  /** How often this worker looks for runs of dead workers (default: lockMs). */
  stalledIntervalMs?: number;
  concurrencyRetryMs?: number;
  /** The trainer host; default: in this process. */
  trainer?: SpawnTrainerHost;
}

export class GpuWorker {
  private readonly queue: BullRunQueue;
  private readonly bus;
  private readonly executor: RunExecutor;
  private closed = false;

  constructor(options: GpuWorkerOptions) {
    const { redisUrl, prefix, id } = options;
    this.queue = new BullRunQueue(options);
    this.bus = redisBus({ redisUrl, prefix, name: `worker:${id}` });
    this.executor = new RunExecutor({
      ...options,
      name: id,
      queue: this.queue,
      bus: this.bus,
      spawn: options.trainer ?? localTrainerHost,
    });
  }

  async start(): Promise<void> {
    await this.bus.ready();
    this.executor.start();
  }

  /** SIGTERM: take no new run; the current one finishes its step, saves a snapshot and goes back in line. */
  async drain(): Promise<void> {
    await this.executor.drain();
    await this.close();
  }

  /** Stops at once without saving (tests simulate a crash with this and a killed process). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.executor.close();
    await this.queue.close();
    await this.bus.close();
  }
}
