/**
 * What a run start, continue or update checks before any queue or executor sees it (the run
 * coordinator's side, `coordinator.ts`): the experiment's current text is
 * admitted (limits, quotas, vetted images); a new run gets its model and seed and a queued Run row
 * inside the starter's share of the queue; a continued run is admitted again, as quotas may have
 * shrunk since and images are fetched afresh (they are never kept from a URL).
 */
import { randomInt } from "node:crypto";
import { rightsId, type Identity } from "../auth/identity";
import { findModel, isInstalled } from "../engine/platform/model-store";
import type { Diagnostic, ErrorCode } from "../domain";
import type { AdmittedConfig } from "../limits/text-check";
import { admitExperiment, type AdmissionOptions } from "./admission";
import type { RunRow, RunStore } from "./store";

export type RunResult<T = object> =
  | ({ ok: true } & T)
  | {
      ok: false;
      code: ErrorCode;
      message: string;
      diagnostics?: Diagnostic[];
      /** With `model_missing`: the model to download. */
      model?: string;
    };

export const fail = (code: ErrorCode, message: string, diagnostics?: Diagnostic[]) =>
  ({ ok: false, code, message, ...(diagnostics ? { diagnostics } : {}) }) as const;

/** A start whose model is not in this node's store: `server/models` offers the room its download. */
export const missingModel = (model: string) =>
  ({ ...fail("model_missing", `model '${model}' is not downloaded yet`), model }) as const;

export interface PinContext {
  store: RunStore;
  /** The experiment's current YAML (the live Yjs text when loaded); null when it does not exist. */
  readYaml(experimentId: string): Promise<string | null>;
  admission: AdmissionOptions;
}

/** The experiment's current text, admitted. */
export interface Admitted {
  yaml: string;
  config: AdmittedConfig;
  images: Record<string, Uint8Array>;
}

export async function admitCurrent(
  ctx: PinContext,
  experimentId: string,
): Promise<RunResult<Admitted>> {
  const yaml = await ctx.readYaml(experimentId);
  if (yaml === null) return fail("not_found", "no such experiment");
  const admitted = await admitExperiment(yaml, ctx.admission);
  if (!admitted.ok) return fail(admitted.code, admitted.message, admitted.diagnostics);
  return { ok: true, yaml, config: admitted.config, images: admitted.images };
}

/** A new run of the current text, pinned in a queued Run row. */
export interface PinnedRun extends Admitted {
  runId: string;
  /** Who counts as its starter for the per-user limits (null: nobody signed in). */
  userId: string | null;
  model: string;
  seed: number;
}

export async function pinNewRun(
  ctx: PinContext,
  experimentId: string,
  opts: { identity: Identity | null; seed?: number; model?: string },
): Promise<RunResult<PinnedRun>> {
  const admitted = await admitCurrent(ctx, experimentId);
  if (!admitted.ok) return admitted;
  const { yaml, config } = admitted;
  const known = findModel(opts.model ?? config.model);
  if (!known) return fail("bad_request", `unknown model '${opts.model ?? config.model}'`);
  if (!isInstalled(known)) return missingModel(known.name); // before a Run row: nothing to clean up
  const model = known.name;
  const seed = opts.seed ?? randomInt(0, 2 ** 31 - 1);
  const userId = rightsId(opts.identity);
  const created = await ctx.store.createAdmitted(
    {
      experimentId,
      userId,
      yaml,
      title: "",
      prompts: prompts(config),
      model,
      seed,
      epochs: config.epochs,
    },
    ctx.admission.quotas,
  );
  if (!created.ok) return fail(created.code, created.message);
  return { ...admitted, ok: true, runId: created.runId, userId, model, seed };
}

/** A stopped or interrupted run (`runId`, or the experiment's newest) that may go on now. */
export async function readmitRun(
  ctx: Omit<PinContext, "readYaml">,
  experimentId: string,
  runId: string | undefined,
  identity: Identity | null,
): Promise<RunResult<{ row: RunRow; userId: string | null; images: Record<string, Uint8Array> }>> {
  const row = runId ? await ctx.store.get(runId) : await ctx.store.latest(experimentId);
  if (!row || row.experimentId !== experimentId) return fail("not_found", "no such run");
  if (row.status !== "interrupted" && row.status !== "stopped")
    return fail("bad_request", `a ${row.status} run cannot be continued`);
  const admitted = await admitExperiment(row.yaml, ctx.admission);
  if (!admitted.ok) return fail(admitted.code, admitted.message, admitted.diagnostics);
  const userId = rightsId(identity);
  const queued = await ctx.store.admits(userId, ctx.admission.quotas);
  if (!queued.ok) return fail(queued.code, queued.message);
  return { ok: true, row, userId, images: admitted.images };
}

/** The feature texts, for gallery search. */
const prompts = (config: AdmittedConfig) => config.texts.join(" | ").slice(0, 2000);
