import { describe, expect, it } from "vitest";
import { checkId, checkTitle, checkVisibility, checkYaml, galleryQuery, MAX_YAML } from "./validate";

describe("validate", () => {
  it("titles are trimmed, collapsed and bounded", () => {
    expect(checkTitle("  a   curly\nspoon ")).toEqual({ ok: true, value: "a curly spoon" });
    expect(checkTitle("   ").ok).toBe(false);
    expect(checkTitle("x".repeat(121)).ok).toBe(false);
    expect(checkTitle(42).ok).toBe(false);
  });

  it("ids, visibility and YAML size", () => {
    expect(checkId("cm123_abc-D").ok).toBe(true);
    expect(checkId("../x").ok).toBe(false);
    expect(checkVisibility("private")).toEqual({ ok: true, value: "private" });
    expect(checkVisibility("secret").ok).toBe(false);
    expect(checkYaml("a".repeat(MAX_YAML)).ok).toBe(true);
    expect(checkYaml("a".repeat(MAX_YAML + 1)).ok).toBe(false);
    // UTF-8 bytes, like the shared document's limit: 2 bytes per "é".
    expect(checkYaml("é".repeat(MAX_YAML / 2)).ok).toBe(true);
    expect(checkYaml("é".repeat(MAX_YAML / 2 + 1))).toEqual({
      ok: false,
      message: `The experiment text is ${MAX_YAML + 2} bytes; this server allows at most 64 KiB`,
    });
  });

  it("gallery query never throws and clamps", () => {
    expect(galleryQuery({})).toEqual({ q: "", sort: "newest", page: 1 });
    expect(galleryQuery({ q: [" owl ", "x"], sort: "forks", page: "3" })).toEqual({ q: "owl", sort: "forks", page: 3 });
    expect(galleryQuery({ page: "-2", sort: "DROP" })).toEqual({ q: "", sort: "newest", page: 1 });
  });
});
