/**
 * Whole-number settings from the environment, described by a table (variable, default, bounds,
 * doc): the quotas, the upload, presence and document limits, the pools. Unset or blank takes the
 * default, anything else must be a whole number in bounds, or the start stops with the variable's
 * name.
 */
export interface SettingRow {
  env: string;
  default: number;
  min: number;
  max: number;
  doc: string;
}

/** The environment, or a table standing in for it (tests). */
export type Env = Readonly<Record<string, string | undefined>>;

/** Every row's default, as the settings read from an empty environment. */
export function settingDefaults<K extends string>(
  table: Readonly<Record<K, SettingRow>>,
): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const key of Object.keys(table) as K[]) out[key] = table[key].default;
  return out;
}

export function settingsFromEnv<K extends string>(
  table: Readonly<Record<K, SettingRow>>,
  env: Env = process.env,
): Record<K, number> {
  const out = settingDefaults(table);
  for (const key of Object.keys(table) as K[]) {
    const row = table[key];
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
