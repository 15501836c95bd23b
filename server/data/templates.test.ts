import { describe, expect, it } from "vitest";
import { formatDiagnostic, parseExperiment } from "../../lib/experiment";
import { templateById, TEMPLATES } from "./templates";

describe("templates", () => {
  it("every template is a valid experiment, with a unique id", () => {
    for (const t of TEMPLATES) {
      const result = parseExperiment(t.yaml);
      expect(result.diagnostics.map(formatDiagnostic), t.id).toEqual([]);
      expect(result.ok).toBe(true);
    }
    expect(new Set(TEMPLATES.map((t) => t.id)).size).toBe(TEMPLATES.length);
  });

  it("the quick test runs on the tiny model; lookups reject unknown ids", () => {
    expect(parseExperiment(templateById("quick-test")!.yaml).config?.model).toBe("tiny-clip");
    expect(templateById("nope")).toBeNull();
    expect(templateById(undefined)).toBeNull();
  });
});
