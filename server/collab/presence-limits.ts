/**
 * Bounds on presence (Yjs awareness) traffic: ONE table of settings (environment variable,
 * default, bounds, doc) like the quotas; read once when the collaboration server starts, and a
 * malformed value stops the start naming the variable.
 */
import {
  settingDefaults,
  settingsFromEnv,
  type Env,
  type SettingRow,
} from "../limits/env-settings";

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

export const PRESENCE_TABLE: Readonly<Record<keyof PresenceLimits, SettingRow>> = {
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

export const DEFAULT_PRESENCE_LIMITS: Readonly<PresenceLimits> = settingDefaults(PRESENCE_TABLE);

/** Limits from the environment; throws naming the variable when a value is not a whole number in range. */
export function presenceLimitsFromEnv(env?: Env): PresenceLimits {
  return settingsFromEnv(PRESENCE_TABLE, env);
}
