import { describe, expect, it } from "vitest";
import { DEFAULT_QUOTAS, QUOTA_TABLE, quotasFromEnv } from "./quotas";

describe("quotasFromEnv", () => {
  it("defaults without variables, and reads each variable of the table", () => {
    expect(quotasFromEnv({})).toEqual(DEFAULT_QUOTAS);
    for (const [key, row] of Object.entries(QUOTA_TABLE)) {
      const value = Math.min(row.max, row.default + 1);
      expect(quotasFromEnv({ [row.env]: String(value) })[key as keyof typeof QUOTA_TABLE]).toBe(
        value,
      );
    }
    expect(quotasFromEnv({ CLIPIG_MAX_RESOLUTION: " " }).maxResolution).toBe(
      DEFAULT_QUOTAS.maxResolution,
    );
  });

  it.each(["abc", "1.5", "-1", "0", "1e9", "Infinity"])(
    "refuses CLIPIG_MAX_RESOLUTION=%s, naming the variable",
    (raw) => {
      expect(() => quotasFromEnv({ CLIPIG_MAX_RESOLUTION: raw })).toThrow(
        /CLIPIG_MAX_RESOLUTION must be a whole number from 16 to 16384/,
      );
    },
  );

  it("names the variables the issue asks for", () => {
    const names = Object.values(QUOTA_TABLE).map((r) => r.env);
    for (const n of [
      "RESOLUTION",
      "EPOCHS",
      "BATCH_SIZE",
      "VIEWS_PER_EPOCH",
      "CONCURRENT_RUNS",
      "QUEUED_RUNS",
      "YAML_BYTES",
      "EXPRESSION_LENGTH",
      "EXPRESSION_DEPTH",
    ]) {
      expect(names).toContain(`CLIPIG_MAX_${n}`);
    }
  });
});
