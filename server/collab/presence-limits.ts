/**
 * Bounds on presence (Yjs awareness) traffic: ONE table of settings (environment variable,
 * default, bounds, doc) like the quotas; read once when the collaboration server starts, and a
 * malformed value stops the start naming the variable.
 */

export interface PresenceLimits {
  /** UTF-8 bytes of one state's JSON as a client sends it; a larger one closes the connection. */
  maxStateBytes: number;
  /** Entries in one awareness message; a message with more is dropped unread. */
  maxEntriesPerMessage: number;
  /** Awareness client ids one connection may own (a y-websocket client uses one). */
  maxClientIdsPerConnection: number;
  /** Presence states held for one document; past it new client ids are not accepted. */
  maxStatesPerDocument: number;
  /** Accepted state changes per connection and second; faster ones are merged (latest wins). */
  updatesPerSecond: number;
  updateBurst: number;
  /** Full answers to awareness queries per connection and second; others get an empty answer. */
  queriesPerSecond: number;
  queryBurst: number;
}

interface Row {
  env: string;
  default: number;
  min: number;
  max: number;
  doc: string;
}

export const PRESENCE_TABLE: Readonly<Record<keyof PresenceLimits, Row>> = {
  maxStateBytes: {
    env: "CLIPIG_PRESENCE_MAX_STATE_BYTES",
    default: 2048,
    min: 256,
    max: 65_536,
    doc: "bytes of one presence state (JSON)",
  },
  maxEntriesPerMessage: {
    env: "CLIPIG_PRESENCE_MAX_ENTRIES",
    default: 256,
    min: 1,
    max: 100_000,
    doc: "entries in one awareness message",
  },
  maxClientIdsPerConnection: {
    env: "CLIPIG_PRESENCE_IDS_PER_CONNECTION",
    default: 2,
    min: 1,
    max: 64,
    doc: "awareness client ids per connection",
  },
  maxStatesPerDocument: {
    env: "CLIPIG_PRESENCE_MAX_STATES",
    default: 128,
    min: 1,
    max: 100_000,
    doc: "presence states per document",
  },
  updatesPerSecond: {
    env: "CLIPIG_PRESENCE_UPDATES_PER_SECOND",
    default: 15,
    min: 1,
    max: 10_000,
    doc: "presence changes per connection and second",
  },
  updateBurst: {
    env: "CLIPIG_PRESENCE_UPDATE_BURST",
    default: 30,
    min: 1,
    max: 100_000,
    doc: "presence changes in a burst",
  },
  queriesPerSecond: {
    env: "CLIPIG_PRESENCE_QUERIES_PER_SECOND",
    default: 1,
    min: 1,
    max: 10_000,
    doc: "full awareness-query answers per connection and second",
  },
  queryBurst: {
    env: "CLIPIG_PRESENCE_QUERY_BURST",
    default: 5,
    min: 1,
    max: 100_000,
    doc: "full awareness-query answers in a burst",
  },
};

const KEYS = Object.keys(PRESENCE_TABLE) as (keyof PresenceLimits)[];

export const DEFAULT_PRESENCE_LIMITS: Readonly<PresenceLimits> = Object.fromEntries(
  KEYS.map((k) => [k, PRESENCE_TABLE[k].default]),
) as unknown as PresenceLimits;

/** Limits from the environment; throws naming the variable when a value is not a whole number in range. */
export function presenceLimitsFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): PresenceLimits {
  const out = { ...DEFAULT_PRESENCE_LIMITS };
  for (const key of KEYS) {
    const row = PRESENCE_TABLE[key];
    const raw = env[row.env];
    if (raw === undefined || raw.trim() === "") continue;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < row.min || value > row.max)
      throw new Error(
        `${row.env} must be a whole number from ${row.min} to ${row.max} (${row.doc}), got '${raw}'`,
      );
    out[key] = value;
  }
  return out;
}
