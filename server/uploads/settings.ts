/**
 * Upload storage settings: one table (environment variable, default, bounds, doc), read once at
 * start. A bad value stops the start naming the variable rather than running unlimited.
 */
import {
  settingDefaults,
  settingsFromEnv,
  type Env,
  type SettingRow,
} from "../limits/env-settings";

export interface UploadSettings {
  /** Stored upload bytes one account may hold, all its uploads together. */
  quotaBytes: number;
  /** Hours an upload is kept before the sweep may remove it when nothing references it. */
  graceHours: number;
  /** Minutes between sweeps on each web node; 0 turns the sweep off. */
  sweepMinutes: number;
}

export const UPLOAD_SETTINGS_TABLE: Readonly<Record<keyof UploadSettings, SettingRow>> = {
  quotaBytes: {
    env: "CLIPIG_UPLOAD_QUOTA_BYTES",
    default: 256 * 1024 * 1024,
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    doc: "stored upload bytes per account",
  },
  graceHours: {
    env: "CLIPIG_UPLOAD_GRACE_HOURS",
    default: 24,
    min: 1,
    max: 24 * 365,
    doc: "hours before an unreferenced upload may be removed",
  },
  sweepMinutes: {
    env: "CLIPIG_UPLOAD_SWEEP_MINUTES",
    default: 60,
    min: 0,
    max: 7 * 24 * 60,
    doc: "minutes between sweeps of unreferenced uploads (0: off)",
  },
};

export const DEFAULT_UPLOAD_SETTINGS: Readonly<UploadSettings> =
  settingDefaults(UPLOAD_SETTINGS_TABLE);

/** Settings from the environment; throws naming the variable when a value is not a whole number in range. */
export function uploadSettingsFromEnv(env?: Env): UploadSettings {
  return settingsFromEnv(UPLOAD_SETTINGS_TABLE, env);
}
