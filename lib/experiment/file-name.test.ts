import { describe, expect, it } from "vitest";
import { fileName } from "./file-name";

describe("fileName", () => {
  it("keeps letters and digits, joins the rest with single dashes, never empty", () => {
    expect(fileName("A Curly Spoon!", "png")).toBe("a-curly-spoon.png");
    expect(fileName("--Pig  No. 3--", "yaml")).toBe("pig-no-3.yaml");
    expect(fileName("!!!", "yaml")).toBe("clipig.yaml");
    expect(fileName("x".repeat(80), "png")).toBe(`${"x".repeat(60)}.png`);
  });
});
