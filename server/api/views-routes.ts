/**
 * `GET /api/experiments/<id>/views?target=N&at=T&seed=S`: what CLIP sees — one target's batch of
 * transformed views as a grid PNG, for tuning transforms in the studio (the CLI's `clipig views`).
 * The caller needs to see the experiment (hidden answers 404). The text is the experiment's
 * current one, admitted like a run's (quotas, vetted images only); the image is the newest stored
 * picture of its latest run, else its init. Rendering is small (float32 views with the trainer's
 * hash noise, no CLIP) but runs in the web process, so one render runs at a time per process, a few
 * wait, the rest get 429, and each caller has a token bucket.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { ExperimentConfig } from "../../lib/experiment";
import { rightsId } from "../auth/identity";
import { db } from "../db/client";
import { experimentRole } from "../data/experiments";
import { decodeImage } from "../engine/clip/image-io";
import { parseClipConfig } from "../engine/clip/config";
import { findModel, installDir, isInstalled } from "../engine/clip/store";
import { Runtime } from "../engine/graph";
import { rgbToPlanar } from "../engine/trainer/init";
import type { Planar } from "../engine/trainer/resample";
import { renderViews, viewsGridPng } from "../engine/trainer/views-preview";
import { keyedRateLimiter } from "../limits";
import { admissionFromEnv, admitExperiment, type AdmissionOptions } from "../runs/admission";
import { storageFromEnv } from "../storage/config";
import { localCache } from "../storage/local-cache";
import type { ImageStore } from "../storage/types";
import { HttpError, problem, type Reply } from "./http";
import type { Route } from "./router";

const ID = "[A-Za-z0-9_-]{1,64}";
/** The model input size when the model's config cannot be read cheaply. */
const DEFAULT_SIZE = 224;

export interface ViewsRouteOptions {
  dataDir: string;
  /** The experiment's current text (the live Yjs text where the server has it; default: the row). */
  readYaml?: (experimentId: string) => Promise<string | null>;
  /** Quotas and image sources (default: from the environment). */
  admission?: AdmissionOptions;
  /** Renders per caller (signed-in user, else client address). */
  rate?: { perSecond: number; burst: number };
  /** The render gate (default: the one of this process). */
  gate?: RenderGate;
  /** Where snapshots of other nodes live (default: `CLIPIG_STORAGE`). */
  store?: ImageStore;
}

/** One render at a time; at most `maxWaiting` wait their turn, the rest are refused. */
export class RenderGate {
  private tail: Promise<void> = Promise.resolve();
  /** Running and waiting tasks. */
  private waiting = 0;
  constructor(readonly maxWaiting: number) {}

  /** Runs `task` after the ones before it; null when the queue is full. */
  run<T>(task: () => Promise<T>): Promise<T> | null {
    if (this.waiting > this.maxWaiting) return null;
    this.waiting++;
    const result = this.tail.then(task).finally(() => this.waiting--);
    this.tail = result.then(
      () => {},
      () => {},
    );
    return result;
  }
}

const processGate = new RenderGate(4);
let cpu: Promise<Runtime> | null = null;
/** One small CPU runtime per process (one thread: the web server's cores serve pages too). */
const runtime = () =>
  (cpu ??= Runtime.create({ device: "cpu", threads: 1, maxSessions: 4 }).catch((error: unknown) => {
    cpu = null; // the next render tries again
    throw error;
  }));

const defaultReadYaml = async (id: string) =>
  (await db().experiment.findUnique({ where: { id }, select: { yaml: true } }))?.yaml ?? null;

export function viewsRoutes(options: ViewsRouteOptions): Route[] {
  const readYaml = options.readYaml ?? defaultReadYaml;
  const admission = options.admission ?? admissionFromEnv(options.dataDir);
  const gate = options.gate ?? processGate;
  const store = options.store ?? admission.store ?? storageFromEnv(process.env, options.dataDir);
  const limiter = keyedRateLimiter({
    ...(options.rate ?? { perSecond: 1, burst: 10 }),
    maxKeys: 10_000,
  });
  return [
    {
      method: "GET",
      path: new RegExp(`^/api/experiments/(?<id>${ID})/views$`),
      async handle({ me, params, query, peer }) {
        if (!(await experimentRole(me, params.id))) return problem(404, "not_found", "Not found");
        const at = number(query.get("at"), "at", 0, (n) => n >= 0 && n <= 1, "between 0 and 1");
        const seed = number(
          query.get("seed"),
          "seed",
          0,
          (n) => Number.isSafeInteger(n) && Math.abs(n) < 2 ** 52,
          "a whole number",
        );
        const key = rightsId(me) ?? `peer:${peer}`;
        if (!limiter.take(key))
          return problem(429, "rate_limited", "Too many view renders; wait a little", {
            "retry-after": String(Math.ceil(limiter.retryAfterMs(key) / 1000)),
          });
        const yaml = await readYaml(params.id);
        if (yaml === null) return problem(404, "not_found", "Not found");
        const admitted = await admitExperiment(yaml, admission);
        if (!admitted.ok)
          return {
            status: 400,
            json: {
              error: {
                code: admitted.code,
                message: admitted.message,
                diagnostics: admitted.diagnostics,
              },
            },
          };
        const { config, images } = admitted;
        const index = findTarget(config, query.get("target") ?? "0");
        const task = gate.run(async () => {
          const pixels = await latestPicture(params.id, options.dataDir, store);
          const size = await modelSize(config.model);
          const views = await renderViews(
            config,
            index,
            { at, seed, size, precision: "fast" },
            {
              runtime: await runtime(),
              pixels: pixels ?? undefined,
              loadImage: async (src) => {
                const bytes = images[src];
                if (!bytes) throw new Error(`image '${src}' was not admitted`);
                return decodeImage(bytes);
              },
            },
          );
          return viewsGridPng(views);
        });
        if (!task) return problem(429, "busy", "Views are being rendered for others; try again");
        let png: Buffer;
        try {
          png = await task;
        } catch (error) {
          // The config passed admission, so what is left is a transform that cannot apply here.
          const message = error instanceof Error ? error.message : String(error);
          return problem(400, "views_failed", `Could not render the views: ${message}`);
        }
        return {
          status: 200,
          body: png,
          headers: { "content-type": "image/png", "cache-control": "no-store" },
        } satisfies Reply;
      },
    },
  ];
}

function number(
  value: string | null,
  name: string,
  fallback: number,
  check: (n: number) => boolean,
  what: string,
): number {
  if (value === null || value === "") return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || !check(n))
    throw new HttpError(
      400,
      "bad_request",
      `'${name}' must be ${what}, got '${value.slice(0, 40)}'`,
    );
  return n;
}

/** A target by index or by name; unknown ones name the targets there are. */
function findTarget(config: ExperimentConfig, which: string): number {
  const index = /^\d{1,6}$/.test(which)
    ? Number(which)
    : config.targets.findIndex((t) => t.name === which);
  if (index < 0 || index >= config.targets.length) {
    const names = config.targets.map((t, i) => `${i}: ${t.name}`).join(", ") || "none";
    throw new HttpError(
      400,
      "unknown_target",
      `No target '${which.slice(0, 40)}' (targets: ${names})`,
    );
  }
  return index;
}

/** The newest picture of the experiment's latest run: its final image, else its last snapshot. */
async function latestPicture(
  experimentId: string,
  dataDir: string,
  store: ImageStore,
): Promise<Planar | null> {
  const run = await db().run.findFirst({
    where: { experimentId },
    orderBy: { queuedAt: "desc" },
    select: { id: true, imagePath: true },
  });
  if (!run) return null;
  const snapshot = run.imagePath
    ? null
    : await db().snapshot.findFirst({
        where: { runId: run.id },
        orderBy: { epoch: "desc" },
        select: { imagePath: true },
      });
  const stored = run.imagePath ?? snapshot?.imagePath;
  if (!stored) return null;
  // Fetched into the data dir first when another node wrote it, as runs resume from snapshots. A
  // picture that cannot be read or decoded leaves the init to look at.
  const bytes = await localCache(store, dataDir)
    .ensureLocal(stored)
    .then(() => readFile(path.join(dataDir, stored)))
    .catch(() => null);
  return bytes ? decodeImage(bytes).then(rgbToPlanar, () => null) : null;
}

const sizes = new Map<string, Promise<number>>();

/** The vision tower's input size of an installed known model (one small JSON read), else 224. */
function modelSize(name: string): Promise<number> {
  const model = findModel(name);
  if (!model || !isInstalled(model)) return Promise.resolve(DEFAULT_SIZE);
  const dir = installDir(model);
  let size = sizes.get(dir);
  if (!size) {
    size = readFile(path.join(dir, "config.json"), "utf8")
      .then((text) => parseClipConfig(JSON.parse(text)).vision.imageSize)
      .catch(() => DEFAULT_SIZE);
    sizes.set(dir, size);
  }
  return size;
}
