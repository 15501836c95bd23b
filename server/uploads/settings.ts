/**
 * Upload storage settings: one table (environment variable, default, bounds, doc), read once at
 * start. A bad value stops the start naming the variable rather than running unlimited.
 */

export interface UploadSettings {
  /** Stored upload bytes one account may hold, all its uploads together. */
  quotaBytes: number;
  /** Hours an upload is kept before the sweep may remove it when nothing references it. */
  graceHours: number;
  /** Minutes between sweeps on each web node; 0 turns the sweep off. */
  sweepMinutes: number;
}

interface Row {
  env: string;
  default: number;
  min: number;
  max: number;
  doc: string;
}

export const UPLOAD_SETTINGS_TABLE: Readonly<Record<keyof UploadSettings, Row>> = {
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

const KEYS = Object.keys(UPLOAD_SETTINGS_TABLE) as (keyof UploadSettings)[];

export const DEFAULT_UPLOAD_SETTINGS: Readonly<UploadSettings> = Object.fromEntries(
  KEYS.map((k) => [k, UPLOAD_SETTINGS_TABLE[k].default]),
) as unknown as UploadSettings;

/** Settings from the environment; throws naming the variable when a value is not a whole number in range. */
export function uploadSettingsFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): UploadSettings {
  const out = { ...DEFAULT_UPLOAD_SETTINGS };
  for (const key of KEYS) {
    const row = UPLOAD_SETTINGS_TABLE[key];
    const raw = env[row.env];
    if (raw === undefined || raw.trim() === "") continue;
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value < row.min || value > row.max) {
      throw new Error(
        `${row.env} must be a whole number from ${row.min} to ${row.max} (${row.doc}), got '${raw}'`,
      );
    }
    out[key] = value;
  }
  return out;
}
