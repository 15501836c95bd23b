/**
 * Quotas: how much one experiment and one user may ask of a shared server. ONE table: each row is
 * a limit with its environment variable, default, bounds and doc; `quotasFromEnv` and the docs
 * derive from it. Values come from the environment once, at start; a bad value stops the start
 * with a clear message rather than running unlimited.
 */
import { settingDefaults, settingsFromEnv, type Env, type SettingRow } from "./env-settings";

export interface Quotas {
  /** Longest side of the training image and of any view along a transform chain, pixels. */
  maxResolution: number;
  maxEpochs: number;
  /** `batch_size` of one target. */
  maxBatchSize: number;
  /** Views (CLIP forward passes) per epoch over all active targets. */
  maxViewsPerEpoch: number;
  /** Runs of one user active (running or paused) at once. */
  maxConcurrentRuns: number;
  /** Runs of one user waiting in the queue. */
  maxQueuedRuns: number;
  /** Runs active at once on this server, all users together. */
  serverMaxConcurrentRuns: number;
  /** Runs waiting on this server, all users together. */
  serverMaxQueuedRuns: number;
  /** Experiment YAML size, UTF-8 bytes. */
  maxYamlBytes: number;
  /** Characters in one expression. */
  maxExpressionLength: number;
  /** Nesting depth of one expression. */
  maxExpressionDepth: number;
  /** Wall time of all expression evaluations of one quota check (an admission), ms. */
  admissionBudgetMs: number;
}

export const QUOTA_TABLE: Readonly<Record<keyof Quotas, SettingRow>> = {
  maxResolution: {
    env: "CLIPIG_MAX_RESOLUTION",
    default: 1024,
    min: 16,
    max: 16_384,
    doc: "longest image or view side, pixels",
  },
  maxEpochs: {
    env: "CLIPIG_MAX_EPOCHS",
    default: 10_000,
    min: 1,
    max: 10_000_000,
    doc: "epochs of one run",
  },
  maxBatchSize: {
    env: "CLIPIG_MAX_BATCH_SIZE",
    default: 32,
    min: 1,
    max: 4096,
    doc: "batch_size of one target",
  },
  maxViewsPerEpoch: {
    env: "CLIPIG_MAX_VIEWS_PER_EPOCH",
    default: 64,
    min: 1,
    max: 65_536,
    doc: "views per epoch, all targets",
  },
  maxConcurrentRuns: {
    env: "CLIPIG_MAX_CONCURRENT_RUNS",
    default: 1,
    min: 1,
    max: 1000,
    doc: "active runs per user",
  },
  maxQueuedRuns: {
    env: "CLIPIG_MAX_QUEUED_RUNS",
    default: 3,
    min: 0,
    max: 10_000,
    doc: "queued runs per user",
  },
  serverMaxConcurrentRuns: {
    env: "CLIPIG_SERVER_MAX_CONCURRENT_RUNS",
    default: 4,
    min: 1,
    max: 10_000,
    doc: "active runs on the server",
  },
  serverMaxQueuedRuns: {
    env: "CLIPIG_SERVER_MAX_QUEUED_RUNS",
    default: 100,
    min: 0,
    max: 1_000_000,
    doc: "queued runs on the server",
  },
  maxYamlBytes: {
    env: "CLIPIG_MAX_YAML_BYTES",
    default: 64 * 1024,
    min: 1024,
    max: 16 * 1024 * 1024,
    doc: "experiment YAML, bytes",
  },
  maxExpressionLength: {
    env: "CLIPIG_MAX_EXPRESSION_LENGTH",
    default: 1000,
    min: 16,
    max: 100_000,
    doc: "characters per expression",
  },
  maxExpressionDepth: {
    env: "CLIPIG_MAX_EXPRESSION_DEPTH",
    default: 32,
    min: 4,
    max: 256,
    doc: "nesting depth per expression",
  },
  admissionBudgetMs: {
    env: "CLIPIG_ADMISSION_BUDGET_MS",
    default: 2000,
    min: 10,
    max: 600_000,
    doc: "expression evaluation per admission, ms",
  },
};

export const DEFAULT_QUOTAS: Readonly<Quotas> = settingDefaults(QUOTA_TABLE);

/** Quotas from the environment; throws naming the variable when a value is not a whole number in range. */
export function quotasFromEnv(env?: Env): Quotas {
  return settingsFromEnv(QUOTA_TABLE, env);
}
