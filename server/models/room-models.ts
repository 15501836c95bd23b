/**
 * Missing models, seen from the studio's rooms. A `run:start` whose model is not in the store is
 * kept as the room's waiting start (`ModelNeed`: which model, its size, who may download it); the
 * room hears it and, while someone allowed downloads it, its progress. When the model is ready the
 * waiting start runs as the person who pressed Start (their right to run checked again). Any
 * other successful start (e.g. with tiny-clip) ends the wait. Before anyone presses Start, the
 * studio shows the panel from the live text's model and the store's listing; a Download there
 * (`model:pull` naming the model) makes the download the room's too (a wait with no start), so the
 * room watches it, and the panel goes once the model is ready.
 */
import type { Identity } from "../auth/identity";
import {
  findModel,
  isInstalled,
  pullable,
  type StoreOptions,
} from "../engine/platform/model-store";
import type { ModelAccess, ModelDownload, ModelNeed } from "../domain";
import type { RunResult } from "../runs/pin";
import type { RunCoordinator } from "../runs/coordinator";
import type { ModelDownloads } from "./downloads";
import { mayDownload, type ModelPolicy } from "./policy";

type StartOptions = Parameters<RunCoordinator["start"]>[1];

interface Waiting {
  model: string;
  /** The start to run when the model is ready; null: a download asked for before any Start. */
  start: StartOptions | null;
  requestedBy: string | null;
}

export interface RoomModelsOptions {
  downloads: ModelDownloads;
  policy: ModelPolicy;
  runs: Pick<RunCoordinator, "start">;
  /** Whether `identity` may still run the experiment (checked again before a waiting start runs). */
  mayRun(identity: Identity | null, experimentId: string): Promise<boolean>;
  store?: StoreOptions;
}

export type NeedListener = (experimentId: string, need: ModelNeed | null) => void;

const refuse = (code: "forbidden" | "bad_request" | "internal", message: string) =>
  ({ ok: false, code, message }) as const;

export class RoomModels {
  private readonly waiting = new Map<string, Waiting>();
  private listener: NeedListener = () => {};

  constructor(private readonly options: RoomModelsOptions) {
    options.downloads.onChange((state) => void this.downloadChanged(state));
  }

  /** Where room notices go (the socket server: `model:need` to the experiment's room). */
  attach(listener: NeedListener): void {
    this.listener = listener;
  }

  /** The room's waiting start, for a joiner. */
  need(experimentId: string): ModelNeed | null {
    const waiting = this.waiting.get(experimentId);
    return waiting ? this.describe(waiting) : null;
  }

  async access(identity: Identity | null): Promise<ModelAccess> {
    const may = await mayDownload(identity, this.options.policy);
    return may.ok
      ? { canDownload: true, reason: null }
      : { canDownload: false, reason: may.reason };
  }

  /** `runs.start`, remembering a start that waits for its model and ending the wait on success. */
  async start(experimentId: string, opts: StartOptions): Promise<RunResult<{ runId: string }>> {
    const result = await this.options.runs.start(experimentId, opts);
    if (result.ok) {
      this.settle(experimentId);
    } else if (result.code === "model_missing" && result.model) {
      const waiting: Waiting = {
        model: result.model,
        start: opts,
        requestedBy: opts.identity?.name ?? null,
      };
      this.waiting.set(experimentId, waiting);
      this.listener(experimentId, this.describe(waiting));
    }
    return result;
  }

  /**
   * Downloads (or joins the download of) the model the room's waiting start needs, or, with no
   * start waiting, `model` (what the live text names): the room then watches that download too.
   */
  async pull(experimentId: string, identity: Identity | null, model?: string): Promise<RunResult> {
    let waiting = this.waiting.get(experimentId);
    if (!waiting && model === undefined)
      return refuse("bad_request", "no start is waiting for a model here");
    const may = await mayDownload(identity, this.options.policy);
    if (!may.ok) return refuse("forbidden", may.reason);
    if (!waiting?.start && model !== undefined) {
      const known = findModel(model, this.options.store);
      if (!known) return refuse("bad_request", `unknown model '${model}'`);
      if (isInstalled(known, this.options.store))
        return refuse("bad_request", `'${known.name}' is already installed; press Start`);
      waiting = { model: known.name, start: null, requestedBy: null };
      this.waiting.set(experimentId, waiting);
      this.listener(experimentId, this.describe(waiting));
    }
    if (!waiting) return refuse("bad_request", "no start is waiting for a model here");
    const { done } = this.options.downloads.pull(waiting.model, { by: identity?.name ?? null });
    // The outcome reaches the room through the download's state; the ack only says it began.
    done.catch(() => {});
    return { ok: true };
  }

  async cancel(experimentId: string, identity: Identity | null): Promise<RunResult> {
    const waiting = this.waiting.get(experimentId);
    if (!waiting) return refuse("bad_request", "no start is waiting for a model here");
    const may = await mayDownload(identity, this.options.policy);
    if (!may.ok) return refuse("forbidden", may.reason);
    return this.options.downloads.cancel(waiting.model)
      ? { ok: true }
      : refuse("bad_request", "no download of this model is running");
  }

  private describe(waiting: Waiting): ModelNeed {
    const known = findModel(waiting.model, this.options.store);
    return {
      model: waiting.model,
      description: known?.description ?? "hub repository",
      bytes: known?.approxBytes ?? 0,
      rule: this.options.policy.downloads,
      requestedBy: waiting.requestedBy,
      waiting: waiting.start !== null,
      download: this.options.downloads.get(waiting.model) ?? null,
    };
  }

  private settle(experimentId: string): void {
    if (this.waiting.delete(experimentId)) this.listener(experimentId, null);
  }

  private async downloadChanged(state: ModelDownload): Promise<void> {
    const rooms = [...this.waiting].filter(([, w]) => sameModel(w.model, state.model));
    for (const [experimentId, waiting] of rooms) {
      if (state.status !== "done") {
        this.listener(experimentId, this.describe(waiting));
        continue;
      }
      // Ready: the waiting start runs as its starter, if they still may; with none, the panel goes.
      this.waiting.delete(experimentId);
      if (!waiting.start) {
        this.listener(experimentId, null);
        continue;
      }
      try {
        if (!(await this.options.mayRun(waiting.start.identity, experimentId))) {
          this.listener(experimentId, null);
          continue;
        }
        const result = await this.start(experimentId, waiting.start);
        if (!result.ok && result.code !== "model_missing") {
          this.waiting.set(experimentId, waiting);
          this.listener(experimentId, {
            ...this.describe(waiting),
            download: { ...state, status: "failed", error: `ready, but ${result.message}` },
          });
        } else if (result.ok) this.listener(experimentId, null);
      } catch (error) {
        console.error("models: starting a waiting run failed:", error);
      }
    }
  }
}

function sameModel(a: string, b: string): boolean {
  try {
    return pullable(a, { anyRepo: true }).name === pullable(b, { anyRepo: true }).name;
  } catch {
    return a === b;
  }
}
