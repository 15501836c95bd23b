/**
 * `GET /api/experiments/<id>/views?target=N&at=T&seed=S`: what CLIP sees — one target's batch of
 * transformed views as a grid PNG, for tuning transforms in the studio (the CLI's `clipig views`).
 * The caller needs to see the experiment (hidden answers 404). The text is the experiment's
 * current one, admitted like a run's (quotas, vetted images only); the image is the newest stored
 * picture of its latest run, else its init. Admission runs in the admission pool's threads and
 * the render (float32 views with the trainer's hash noise, no CLIP) in a render process
 * (`views-process.ts`): the web process only reads rows and bytes, never parses the text or runs
 * onnxruntime. Renders are bounded there (processes, queue → 429, timeout → 503), and each caller
 * has a token bucket here.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { rightsId } from "../auth/identity";
import { db } from "../db/client";
import { experimentRole } from "../data/experiments";
import { keyedRateLimiter } from "../limits";
import type { AdmittedConfig } from "../limits/text-check";
import { admissionFromEnv, admitExperiment, type AdmissionOptions } from "../runs/admission";
import { storageFromEnv } from "../storage/config";
import { localCache } from "../storage/local-cache";
import type { ImageStore } from "../storage/types";
import { HttpError, problem, type Reply } from "./http";
import type { Route } from "./router";
import { sharedViewsRenderer, type ViewsRenderer } from "./views-process";

const ID = "[A-Za-z0-9_-]{1,64}";

export interface ViewsRouteOptions {
  dataDir: string;
  /** The experiment's current text (the live Yjs text where the server has it; default: the row). */
  readYaml?: (experimentId: string) => Promise<string | null>;
  /** Quotas and image sources (default: from the environment). */
  admission?: AdmissionOptions;
  /** Renders per caller (signed-in user, else client address). */
  rate?: { perSecond: number; burst: number };
  /** Where renders run (default: this process's render processes). */
  renderer?: ViewsRenderer;
  /** Where snapshots of other nodes live (default: `CLIPIG_STORAGE`). */
  store?: ImageStore;
}

const defaultReadYaml = async (id: string) =>
  (await db().experiment.findUnique({ where: { id }, select: { yaml: true } }))?.yaml ?? null;

export function viewsRoutes(options: ViewsRouteOptions): Route[] {
  const readYaml = options.readYaml ?? defaultReadYaml;
  const admission = options.admission ?? admissionFromEnv(options.dataDir);
  const renderer = options.renderer ?? sharedViewsRenderer();
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
            status: admitted.code === "busy" ? 429 : 400,
            json: {
              error: {
                code: admitted.code,
                message: admitted.message,
                diagnostics: admitted.diagnostics,
              },
            },
          };
        const target = findTarget(admitted.config, query.get("target") ?? "0");
        const picture = await latestPicture(params.id, options.dataDir, store);
        const result = await renderer.render({
          yaml,
          target,
          at,
          seed,
          picture,
          images: admitted.images,
        });
        if (!result.ok) {
          const status = { busy: 429, views_timeout: 503, views_failed: 400 }[result.code];
          return problem(status, result.code, result.message);
        }
        const png = Buffer.from(result.png);
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
function findTarget(config: AdmittedConfig, which: string): number {
  const index = /^\d{1,6}$/.test(which) ? Number(which) : config.targets.indexOf(which);
  if (index < 0 || index >= config.targets.length) {
    const names = config.targets.map((name, i) => `${i}: ${name}`).join(", ") || "none";
    throw new HttpError(
      400,
      "unknown_target",
      `No target '${which.slice(0, 40)}' (targets: ${names})`,
    );
  }
  return index;
}

/** The PNG bytes of the experiment's latest run's newest picture: its final image, else its last snapshot. */
async function latestPicture(
  experimentId: string,
  dataDir: string,
  store: ImageStore,
): Promise<Uint8Array | null> {
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
  // picture that cannot be read (or, in the render process, decoded) leaves the init to look at.
  return localCache(store, dataDir)
    .ensureLocal(stored)
    .then(() => readFile(path.join(dataDir, stored)))
    .catch(() => null);
}
