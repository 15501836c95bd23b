/** Quotas, rate limits and payload checks (see CONTEXT.md). */
export { quotasFromEnv, DEFAULT_QUOTAS, QUOTA_TABLE, type Quotas } from "./quotas";
export {
  checkExperimentQuota,
  checkExperimentText,
  locateIssue,
  type QuotaIssue,
} from "./experiment-quota";
export {
  admitRun,
  mayStartRun,
  countRuns,
  ACTIVE_RUN_STATUSES,
  type RunCounts,
  type RunRefusal,
} from "./run-quota";
export {
  rateLimiter,
  keyedRateLimiter,
  type RateLimiter,
  type KeyedRateLimiter,
  type RateOptions,
} from "./rate-limit";
export {
  str,
  int,
  num,
  bool,
  oneOf,
  bytes,
  list,
  obj,
  optional,
  nullable,
  measurePayload,
  payloadGuard,
  DEFAULT_PAYLOAD_LIMITS,
  type Schema,
  type Infer,
  type Checked,
  type Issue,
  type PayloadLimits,
} from "./schema";
