/**
 * Worker threads that check untrusted experiment text (`checkText`: YAML parse, validation,
 * quotas) off the web server's event loop, as a `JobPool`: at most `workers` threads, `queue` jobs
 * waiting (more are refused as busy), `timeoutMs` per job once a thread has it — past that the
 * thread is terminated (V8 stops it mid-evaluation) and a fresh one takes its place. A thread also
 * dies on its heap limit (`memoryMb`) without touching the web process.
 *
 * Threads boot through `ts-thread.mjs` (tsx's loader, registered by hand: tsx does not register
 * itself in threads), so the same files run under `tsx` (npm start) and vitest. Idle threads are
 * unref'd: they never keep a process alive.
 */
import { Worker } from "node:worker_threads";
import type { Diagnostic } from "../../lib/experiment";
import { settingsFromEnv, type SettingRow } from "./env-settings";
import { JobPool, type FailReason, type Helper, type HelperEvents } from "./job-pool";
import type { Quotas } from "./quotas";
import type { TextCheck } from "./text-check";

export interface AdmissionPoolSettings {
  workers: number;
  queue: number;
  timeoutMs: number;
  memoryMb: number;
}

export const ADMISSION_POOL_TABLE: Readonly<Record<keyof AdmissionPoolSettings, SettingRow>> = {
  workers: {
    env: "CLIPIG_ADMISSION_WORKERS",
    default: 2,
    min: 1,
    max: 64,
    doc: "admission worker threads",
  },
  queue: {
    env: "CLIPIG_ADMISSION_QUEUE",
    default: 32,
    min: 0,
    max: 10_000,
    doc: "admissions waiting for a thread",
  },
  timeoutMs: {
    env: "CLIPIG_ADMISSION_TIMEOUT_MS",
    default: 10_000,
    min: 100,
    max: 600_000,
    doc: "one admission check in its thread, ms",
  },
  memoryMb: {
    env: "CLIPIG_ADMISSION_MEMORY_MB",
    default: 256,
    min: 32,
    max: 16_384,
    doc: "heap of one admission thread, MiB",
  },
};

export const admissionPoolSettingsFromEnv = (
  env?: Readonly<Record<string, string | undefined>>,
): AdmissionPoolSettings => settingsFromEnv(ADMISSION_POOL_TABLE, env);

/** A refusal that is about the server, not the text: the caller may try again later. */
export type PoolCheck = TextCheck | { ok: false; busy: true; diagnostics: Diagnostic[] };

/** Messages of the thread protocol (`admission-worker.ts`). */
export type ToThread = { id: number; yaml: string; quotas: Quotas };
export type FromThread =
  | { type: "ready" }
  | { type: "done"; id: number; result: TextCheck }
  | { type: "failed"; id: number; message: string };

const BOOT = new URL("./ts-thread.mjs", import.meta.url);
const ENTRY = new URL("./admission-worker.ts", import.meta.url).href;

/** The pool's own surface (`run`, `close`, `stopped`, `helperIds`) is `JobPool`'s. */
export class AdmissionPool extends JobPool<{ yaml: string; quotas: Quotas }, PoolCheck> {
  constructor(readonly settings: AdmissionPoolSettings = admissionPoolSettingsFromEnv()) {
    super({
      size: settings.workers,
      queue: settings.queue,
      timeoutMs: settings.timeoutMs,
      start: (events) => startThread(settings.memoryMb, events),
      fail: (reason) => refusal(reason, settings.timeoutMs),
    });
  }

  /** Checks `yaml` in a thread; never rejects. */
  readonly check = (yaml: string, quotas: Quotas): Promise<PoolCheck> => this.run({ yaml, quotas });

  /** Thread ids of the live threads (tests check that a stopped one is gone). */
  get threadIds(): number[] {
    return this.helperIds;
  }
}

function startThread(
  memoryMb: number,
  events: HelperEvents<PoolCheck>,
): Helper<{ yaml: string; quotas: Quotas }> {
  const worker = new Worker(BOOT, {
    workerData: { entry: ENTRY },
    execArgv: [],
    resourceLimits: { maxOldGenerationSizeMb: memoryMb },
  });
  worker.on("message", (message: FromThread) => {
    if (message.type === "ready") return events.ready();
    if (message.type === "done") return events.answer(message.id, message.result);
    console.error("admission: a check failed:", message.message);
    events.answer(message.id, failed("This experiment could not be checked"));
  });
  worker.on("error", (error) => console.error("admission: a worker thread failed:", error));
  worker.on("exit", () => events.exited());
  return {
    id: worker.threadId,
    send: (id, input) => worker.postMessage({ id, ...input } satisfies ToThread),
    kill: () => worker.terminate().then(() => {}),
    hold: (busy) => (busy ? worker.ref() : worker.unref()),
  };
}

function refusal(reason: FailReason, timeoutMs: number): PoolCheck {
  switch (reason) {
    case "timeout":
      return failed(
        `Checking this experiment took over ${timeoutMs / 1000} s and was stopped; make its expressions cheaper`,
      );
    case "crashed":
      return failed("This experiment could not be checked (its check ran out of memory or failed)");
    case "busy":
      return { ...failed("The server is busy checking other experiments; try again"), busy: true };
    case "closed":
      return { ...failed("The server is shutting down"), busy: true };
  }
}

function failed(message: string): { ok: false; diagnostics: Diagnostic[] } {
  return {
    ok: false,
    diagnostics: [{ path: "", line: 1, column: 1, from: 0, to: 0, message, severity: "error" }],
  };
}

let shared: AdmissionPool | null = null;

/** This process's pool, started on first use with the settings from the environment. */
export const sharedAdmissionPool = (): AdmissionPool => (shared ??= new AdmissionPool());
