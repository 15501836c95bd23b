/**
 * Views renders in child processes (`views-worker.ts`, run through tsx's loader like the run
 * workers), so the web process never runs — nor loads — onnxruntime, and a render that runs long is
 * killed, not waited for. A `JobPool`: at most `processes` children (kept for the next render: they
 * boot onnxruntime once), `queue` renders waiting (more get `busy`), `timeoutMs` per render once a
 * child has it (then SIGKILL, and a fresh child for the next). The web process hands over vetted
 * bytes only (the admitted text, its images, the stored picture); the child opens nothing itself.
 */
import { fork } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { settingsFromEnv, type SettingRow } from "../limits/env-settings";
import { JobPool, type FailReason, type Helper, type HelperEvents } from "../limits/job-pool";

export interface ViewsRequest {
  /** Admitted experiment text. */
  yaml: string;
  target: number;
  at: number;
  seed: number;
  /** The stored picture to look at (PNG bytes), else the init. */
  picture: Uint8Array | null;
  /** Admitted images by source, as the run would get them. */
  images: Record<string, Uint8Array>;
}

export type ViewsResult =
  | { ok: true; png: Uint8Array }
  | { ok: false; code: "busy" | "views_timeout" | "views_failed"; message: string };

export type ToChild = { id: number; request: ViewsRequest };
export type FromChild = { type: "ready" } | { type: "done"; id: number; result: ViewsResult };

export interface ViewsSettings {
  processes: number;
  queue: number;
  timeoutMs: number;
}

export const VIEWS_TABLE: Readonly<Record<keyof ViewsSettings, SettingRow>> = {
  processes: {
    env: "CLIPIG_VIEWS_PROCESSES",
    default: 1,
    min: 1,
    max: 64,
    doc: "views render processes",
  },
  queue: { env: "CLIPIG_VIEWS_QUEUE", default: 4, min: 0, max: 1000, doc: "views renders waiting" },
  timeoutMs: {
    env: "CLIPIG_VIEWS_TIMEOUT_MS",
    default: 20_000,
    min: 100,
    max: 600_000,
    doc: "one views render, ms",
  },
};

export const viewsSettingsFromEnv = (
  env?: Readonly<Record<string, string | undefined>>,
): ViewsSettings => settingsFromEnv(VIEWS_TABLE, env);

const ENTRY = fileURLToPath(new URL("./views-worker.ts", import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

/** The pool's own surface (`close`, `stopped`, `helperIds`) is `JobPool`'s. */
export class ViewsRenderer extends JobPool<ViewsRequest, ViewsResult> {
  constructor(readonly settings: ViewsSettings = viewsSettingsFromEnv()) {
    super({
      size: settings.processes,
      queue: settings.queue,
      timeoutMs: settings.timeoutMs,
      start: startChild,
      fail: (reason) => refusal(reason, settings.timeoutMs),
    });
  }

  /** Renders in a child; never rejects. */
  render(request: ViewsRequest): Promise<ViewsResult> {
    return this.run(request);
  }

  /** Process ids of the live children (tests check that a stopped one is gone). */
  get pids(): number[] {
    return this.helperIds;
  }
}

function startChild(events: HelperEvents<ViewsResult>): Helper<ViewsRequest> {
  const child = fork(ENTRY, [], {
    execArgv: ["--import", TSX],
    serialization: "advanced", // PNG bytes cross as they are
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.on("message", (message: FromChild) => {
    if (message.type === "ready") events.ready();
    else events.answer(message.id, message.result);
  });
  child.on("error", (error) => console.error("views: a render process failed:", error));
  child.on("exit", () => events.exited());
  // The IPC channel is a handle of its own: both must be let go for an idle child not to hold us.
  const channel = child.channel as { ref(): void; unref(): void } | undefined;
  return {
    id: child.pid ?? -1,
    send: (id, request) => {
      if (child.connected) child.send({ id, request } satisfies ToChild);
    },
    kill: () => {
      child.kill("SIGKILL");
      return exited;
    },
    hold: (busy) => {
      if (busy) {
        child.ref();
        channel?.ref();
      } else {
        child.unref();
        channel?.unref();
      }
    },
  };
}

function refusal(reason: FailReason, timeoutMs: number): ViewsResult {
  switch (reason) {
    case "timeout":
      return {
        ok: false,
        code: "views_timeout",
        message: `Rendering the views took over ${timeoutMs / 1000} s and was stopped`,
      };
    case "crashed":
      return { ok: false, code: "views_failed", message: "The views render process failed" };
    case "busy":
      return { ok: false, code: "busy", message: "Views are being rendered for others; try again" };
    case "closed":
      return { ok: false, code: "busy", message: "The server is shutting down" };
  }
}

let shared: ViewsRenderer | null = null;

/** This process's renderer, started on first use with the settings from the environment. */
export const sharedViewsRenderer = (): ViewsRenderer => (shared ??= new ViewsRenderer());
