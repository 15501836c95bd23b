/**
 * A GPU worker process of a cluster: one `RunExecutor` on its device, taking runs from the BullMQ
 * queue and publishing their events on the Redis bus, with the trainer in this same process (the
 * worker already is a process of its own, off every web server's event loop).
 *
 * Heartbeat: BullMQ's job lock, renewed while the run goes on; a dead worker's lock expires and the
 * next worker's stalled-job check puts the run back in line. Besides, a `workers:<id>` key with a
 * short expiry says what each worker is doing.
 */
import type { DeviceRequest } from "../engine/trainer/api";
import type { RunSettings } from "../runs/active-run";
import type { AdmissionOptions } from "../runs/admission";
import { RunExecutor } from "../runs/executor";
import type { SpawnTrainerHost } from "../runs/ports";
import type { RunStore } from "../runs/store";
import { BullRunQueue } from "../cluster/bull-queue";
import { closeRedis, connectRedis, type Redis } from "../cluster/redis";
import { redisBus } from "../cluster/redis-bus";
import type { LocalCache } from "../storage/local-cache";
import { localTrainerHost } from "./local-trainer";

export interface GpuWorkerOptions extends RunSettings {
  redisUrl: string;
  prefix: string;
  /** This worker's name (heartbeat key, logs). */
  id: string;
  device: DeviceRequest;
  /** How the device is shown (`cuda:1`). */
  deviceLabel?: string;
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
  private readonly redis: Redis;
  private readonly queue: BullRunQueue;
  private readonly bus;
  private readonly executor: RunExecutor;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private closed = false;

  constructor(private readonly options: GpuWorkerOptions) {
    const { redisUrl, prefix, id } = options;
    this.redis = connectRedis(redisUrl, `worker:${id}`);
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

  get runId(): string | null {
    return this.executor.runId;
  }

  /** Runs this worker finished (any outcome), for tests and logs. */
  get completed(): number {
    return this.executor.completed;
  }

  async start(): Promise<void> {
    await this.bus.ready();
    this.executor.start();
    const lockMs = this.options.lockMs ?? 30_000;
    const beat = () =>
      void this.redis
        .set(
          `${this.options.prefix}workers:${this.options.id}`,
          JSON.stringify({
            device: this.options.deviceLabel ?? this.options.device,
            runId: this.runId,
            at: Date.now(),
          }),
          "PX",
          lockMs,
        )
        .catch(() => undefined);
    beat();
    this.heartbeat = setInterval(beat, Math.max(500, lockMs / 3));
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
    clearInterval(this.heartbeat);
    await this.executor.close();
    await this.redis.del(`${this.options.prefix}workers:${this.options.id}`).catch(() => undefined);
    await this.queue.close();
    await this.bus.close();
    await closeRedis(this.redis);
  }
}
