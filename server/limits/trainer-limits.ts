/**
 * The quotas the engine enforces itself, as plain data: at every epoch of a run (the trainer) and
 * in every views render. Admission checks the same ones on a sample of epochs only. Workers and
 * render processes read the same settings as the web server (a forked child inherits its
 * environment; a cluster GPU worker needs the same `CLIPIG_MAX_*` values).
 */
import type { RunLimits } from "../engine/trainer/run-limits";
import { QUOTA_TABLE, quotasFromEnv, type Quotas } from "./quotas";

export function runLimits(quotas: Quotas = quotasFromEnv()): RunLimits {
  return {
    maxResolution: quotas.maxResolution,
    maxBatchSize: quotas.maxBatchSize,
    maxViewsPerEpoch: quotas.maxViewsPerEpoch,
    settings: {
      maxResolution: QUOTA_TABLE.maxResolution.env,
      maxBatchSize: QUOTA_TABLE.maxBatchSize.env,
      maxViewsPerEpoch: QUOTA_TABLE.maxViewsPerEpoch.env,
    },
  };
}
