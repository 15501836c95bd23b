import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { REFERENCE_FILE, referencePage } from "./reference-page";

describe(REFERENCE_FILE, () => {
  it("is what the parameter table generates (else run `npm run docs:reference`)", () => {
    const file = fileURLToPath(new URL(`../${REFERENCE_FILE}`, import.meta.url));
    const committed = readFileSync(file, "utf8").split("\n");
    const fresh = referencePage().split("\n");
    const line = fresh.findIndex((text, i) => committed[i] !== text);
    const stale =
      line < 0 && committed.length === fresh.length
        ? ""
        : `${REFERENCE_FILE} is stale from line ${(line < 0 ? fresh.length : line) + 1}: run npm run docs:reference`;
    expect(stale).toBe("");
  });
});
