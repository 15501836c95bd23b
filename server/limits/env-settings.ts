/**
 * Whole-number settings from the environment, described by a table (variable, default, bounds,
 * doc) like the quota table: unset or blank takes the default, anything else must be a whole
 * number in bounds, or the start stops with the variable's name.
 */
export interface SettingRow {
  env: string;
  default: number;
  min: number;
  max: number;
  doc: string;
}

export function settingsFromEnv<K extends string>(
  table: Readonly<Record<K, SettingRow>>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const key of Object.keys(table) as K[]) {
    const row = table[key];
    const raw = env[row.env];
    const value = raw === undefined || raw.trim() === "" ? row.default : Number(raw);
    if (!Number.isInteger(value) || value < row.min || value > row.max)
      throw new Error(
        `${row.env} must be a whole number from ${row.min} to ${row.max} (${row.doc}), got '${raw}'`,
      );
    out[key] = value;
  }
  return out;
}
