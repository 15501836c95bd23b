/**
 * The server's model downloads: one per model however many ask (a second request joins the
 * first), through the store's `pullModel` (the CLI's code path: sizes and sha256 from the hub,
 * the space check, resume from the partial folder, verification). Listeners hear every change of
 * state at once and progress at most every `progressMs`. Cancelling keeps the partial files, so
 * the next pull resumes.
 */
import { DownloadError } from "../engine/platform/download";
import type { ModelDownload } from "../domain";
import {
  pullable,
  pullModel,
  type PullProgress,
  type StoreOptions,
} from "../engine/platform/model-store";

/** What everyone watching a download sees (the wire shape: plain data). */
export type DownloadState = ModelDownload;

export interface DownloadsOptions {
  store?: StoreOptions;
  /** Bytes to leave free on the disk (default: the store's `CLIPIG_MODELS_MIN_FREE_MB`). */
  keepFree?: number;
  /** Least time between two progress notices of one download (default 250 ms). */
  progressMs?: number;
  /** Finished, failed and cancelled downloads are listed this long (default 10 min). */
  keepEndedMs?: number;
}

interface Running {
  state: DownloadState;
  abort: AbortController;
  done: Promise<string>;
  lastNotice: number;
  endedAt?: number;
}

export type DownloadListener = (state: DownloadState) => void;

export class ModelDownloads {
  private readonly downloads = new Map<string, Running>();
  private readonly listeners = new Set<DownloadListener>();

  constructor(private readonly options: DownloadsOptions = {}) {}

  onChange(listener: DownloadListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Starts (or joins) the download of `name`; `done` settles with the installed folder. Unknown
   * names throw at once (`anyRepo` accepts any hub repository id).
   */
  pull(
    name: string,
    opts: { by?: string | null; anyRepo?: boolean } = {},
  ): { state: DownloadState; done: Promise<string>; joined: boolean } {
    const model = pullable(name, { ...this.options.store, anyRepo: opts.anyRepo }).name;
    const live = this.downloads.get(model);
    if (live && !live.endedAt) return { state: { ...live.state }, done: live.done, joined: true };
    const abort = new AbortController();
    const running: Running = {
      state: {
        model,
        status: "checking",
        received: 0,
        total: 0,
        bytesPerSecond: 0,
        etaSeconds: null,
        file: null,
        startedBy: opts.by ?? null,
        error: null,
      },
      abort,
      done: Promise.resolve(""),
      lastNotice: 0,
    };
    running.done = pullModel(model, {
      ...this.options.store,
      anyRepo: opts.anyRepo,
      keepFree: this.options.keepFree,
      signal: abort.signal,
      onPlan: (plan) => {
        this.update(running, {
          status: "downloading",
          total: plan.totalBytes,
          received: plan.totalBytes - plan.remainingBytes,
        });
      },
      onProgress: (p) => this.progress(running, p),
    }).then(
      (dir) => {
        this.end(running, { status: "done", received: running.state.total, etaSeconds: 0 });
        return dir;
      },
      (error: unknown) => {
        const cancelled = abort.signal.aborted;
        this.end(running, {
          status: cancelled ? "cancelled" : "failed",
          error: cancelled ? "cancelled; the files so far are kept to resume" : messageOf(error),
        });
        throw error;
      },
    );
    running.done.catch(() => {}); // callers that do not wait must not leave it unhandled
    this.downloads.set(model, running);
    this.notify(running);
    return { state: { ...running.state }, done: running.done, joined: false };
  }

  /** Stops a running download (its partial files stay for a resume); false when none runs. */
  cancel(name: string): boolean {
    const running = this.find(name);
    if (!running || running.endedAt) return false;
    running.abort.abort();
    return true;
  }

  /** The download of `name` (running, or ended within `keepEndedMs`). */
  get(name: string): DownloadState | undefined {
    const running = this.find(name);
    return running ? { ...running.state } : undefined;
  }

  list(): DownloadState[] {
    this.prune();
    return [...this.downloads.values()].map((r) => ({ ...r.state }));
  }

  /** Cancels every running download and waits for them to stop (server shutdown). */
  async close(): Promise<void> {
    const live = [...this.downloads.values()].filter((r) => !r.endedAt);
    for (const r of live) r.abort.abort();
    await Promise.allSettled(live.map((r) => r.done));
    this.listeners.clear();
  }

  private find(name: string): Running | undefined {
    this.prune();
    const direct = this.downloads.get(name);
    if (direct) return direct;
    try {
      return this.downloads.get(pullable(name, { ...this.options.store, anyRepo: true }).name);
    } catch {
      return undefined;
    }
  }

  private progress(running: Running, p: PullProgress): void {
    running.state = {
      ...running.state,
      status: "downloading",
      received: p.totalReceived,
      total: p.totalBytes,
      bytesPerSecond: Math.round(p.bytesPerSecond),
      etaSeconds: p.etaSeconds === undefined ? null : Math.round(p.etaSeconds * 10) / 10,
      file: `${p.file} (${p.fileIndex + 1}/${p.fileCount})`,
    };
    const now = Date.now();
    if (now - running.lastNotice < (this.options.progressMs ?? 250)) return;
    this.notify(running);
  }

  private update(running: Running, change: Partial<DownloadState>): void {
    running.state = { ...running.state, ...change };
    this.notify(running);
  }

  private end(running: Running, change: Partial<DownloadState>): void {
    running.endedAt = Date.now();
    running.state = { ...running.state, bytesPerSecond: 0, ...change };
    this.notify(running);
  }

  private notify(running: Running): void {
    running.lastNotice = Date.now();
    const state = { ...running.state };
    for (const listener of this.listeners) {
      try {
        listener(state);
      } catch (error) {
        console.error("models: a download listener failed:", error);
      }
    }
  }

  private prune(): void {
    const keep = this.options.keepEndedMs ?? 10 * 60_000;
    for (const [name, r] of this.downloads)
      if (r.endedAt && Date.now() - r.endedAt > keep) this.downloads.delete(name);
  }
}

function messageOf(error: unknown): string {
  if (error instanceof DownloadError) return error.message;
  return error instanceof Error ? error.message : String(error);
}
