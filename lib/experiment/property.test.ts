/**
 * Property tests: whatever text or value arrives (an editor sends every keystroke), parsing answers
 * with diagnostics, never an exception, and quickly; valid configs survive an export round trip.
 */
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { configToJson, exportYaml } from "./export";
import { parseExperiment, type ParseResult } from "./index";
import { REGISTRY, lookup } from "./params";
import { ARITHMETIC } from "./expr/testing";
import { fixtureText } from "./testing";

const MAX_MS = 50;

/**
 * CPU time of one parse (this process's, so other work on a shared machine does not count); a GC
 * pause can still hit any run, so the best of 3 counts.
 */
function timedParse(text: string): { r: ParseResult; ms: number } {
  let best = Infinity;
  let r!: ParseResult;
  for (let i = 0; i < 3 && best >= MAX_MS; i++) {
    const t0 = process.cpuUsage();
    r = parseExperiment(text);
    const dt = process.cpuUsage(t0);
    best = Math.min(best, (dt.user + dt.system) / 1000);
  }
  return { r, ms: best };
}

function parseChecked(text: string): ParseResult {
  const { r, ms } = timedParse(text);
  expect(ms, `took ${ms.toFixed(1)} ms:\n${text}`).toBeLessThan(MAX_MS);
  expect(r.ok).toBe(!r.diagnostics.some((d) => d.severity === "error"));
  expect(r.ok ? r.config !== undefined : r.config === undefined).toBe(true);
  for (const d of r.diagnostics) {
    expect(d.line).toBeGreaterThanOrEqual(1);
    expect(d.column).toBeGreaterThanOrEqual(1);
    expect(0 <= d.from && d.from <= d.to && d.to <= text.length).toBe(true);
    expect(typeof d.message).toBe("string");
    expect(d.message.length).toBeGreaterThan(0);
  }
  return r;
}

const YAML_TOKENS = [
  "targets",
  "features",
  "transforms",
  "constraints",
  "postproc",
  "init",
  "text",
  "noise",
  "blur",
  "epochs",
  "resolution",
  "random_shift",
  "kernel_size",
  "start",
  "end",
  "weight",
  "mean",
  "above",
  ":",
  ": ",
  "- ",
  "-",
  "\n",
  "\n  ",
  "\n    ",
  "  ",
  " ",
  "\t",
  "[",
  "]",
  "{",
  "}",
  ",",
  "&a ",
  "*a",
  "<<: ",
  "!!int ",
  "!!str ",
  "!x ",
  "#",
  "'",
  '"',
  "%",
  "|",
  ">",
  "?",
  "yes",
  "no",
  "~",
  "null",
  "1",
  "0",
  "-1",
  ".5",
  "1e3",
  "1:30",
  "017",
  "0x1F",
  ".inf",
  "t",
  "ti",
  "sim",
  "width",
  "(",
  ")",
  "*",
  "/",
  "//",
  "**",
  "1/t",
  " if t < .5 else ",
  "random()",
  "30%",
  "---",
  "...",
  "\\",
  "\u00e9",
  "\u2028",
  "\r\n",
];

const yamlish = fc
  .array(fc.constantFrom(...YAML_TOKENS), { maxLength: 60 })
  .map((ts) => ts.join(""));

/** A one-line value for a parameter: numbers, lists, expressions, YAML oddities. */
const valueText = fc.oneof(
  fc.integer({ min: -1e6, max: 1e6 }).map(String),
  fc.double({ noDefaultInfinity: false }).map((x) => String(x)),
  fc
    .array(
      fc.constantFrom(
        "t",
        "ti",
        "t5",
        "epoch",
        "sim",
        "lr",
        "width",
        "res[0]",
        "1",
        "0",
        ".5",
        "2.",
        ...ARITHMETIC,
        "(",
        ")",
        " if ",
        " else ",
        " < ",
        " and ",
        "not ",
        ",",
        " ",
        "random()",
        "sqrt(",
        "pow(2, 3)",
        "time_step(0, 1)",
        "log(",
        "1e3",
        "%",
        "224",
      ),
      { minLength: 1, maxLength: 12 },
    )
    .map((ts) => ts.join("")),
  fc
    .array(
      fc.oneof(
        fc.integer({ min: -5, max: 500 }).map(String),
        fc.constantFrom("t", ".5", "'x'", "1/t", "[1]", "{}"),
      ),
      { maxLength: 5 },
    )
    .map((xs) => `[${xs.join(", ")}]`),
  fc.constantFrom(
    "yes",
    "no",
    "~",
    "",
    "{}",
    "{a: 1}",
    "[]",
    "'q'",
    '"dq"',
    "!!int 3",
    "!!float '1e3'",
    "&x 1",
    "30%",
    "50 %",
    "100%",
    "1:30",
    "017",
    ".nan",
    "-.inf",
    "a curly spoon",
    "[[1, 2]]",
    "{degree: 5}",
    "l1",
    "L2",
  ),
);

/** The YAML that puts `value` at a registry path, with a list item wherever the path enters a list. */
function place(path: string, value: string): string {
  const segs = path.split(".");
  let out = "";
  let indent = "";
  let prefix = "";
  let schema = "";
  segs.forEach((seg, i) => {
    schema = schema ? `${schema}.${seg}` : seg;
    const last = i === segs.length - 1;
    out += `${prefix || indent}${seg}:${last ? ` ${value}` : ""}\n`;
    prefix = "";
    if (!last && lookup(schema)?.kind === "list-section") {
      prefix = `${indent}  - `;
      indent += "    ";
    } else if (!last) indent += "  ";
  });
  return out;
}

const LEAF_PATHS = REGISTRY.filter((e) => e.spec).map((e) => e.path);

describe("property: parsing never throws and stays fast", () => {
  it("warms up", () => {
    for (let i = 0; i < 5; i++)
      parseExperiment(fixtureText("walkthrough-10-lovecraft-details.yaml"));
  });

  it("arbitrary YAML-ish text gives only diagnostics", () => {
    fc.assert(
      fc.property(yamlish, (text) => void parseChecked(text)),
      { numRuns: 300 },
    );
  });

  it("arbitrary mutations of a real config give only diagnostics", () => {
    const base = fixtureText("walkthrough-10-lovecraft-details.yaml");
    const mutation = fc.tuple(
      fc.nat({ max: base.length }),
      fc.nat({ max: 20 }),
      fc.array(fc.constantFrom(...YAML_TOKENS), { maxLength: 4 }),
    );
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (ms) => {
        let text = base;
        for (const [at, del, ins] of ms)
          text = text.slice(0, at) + ins.join("") + text.slice(Math.min(text.length, at + del));
        parseChecked(text);
      }),
      { numRuns: 100 },
    );
  });

  it("arbitrary values at every real parameter position give only diagnostics; valid ones round-trip", () => {
    fc.assert(
      fc.property(fc.constantFrom(...LEAF_PATHS), valueText, (path, value) => {
        const r = parseChecked(place(path, value));
        if (r.ok) {
          const again = parseExperiment(exportYaml(r.config!));
          expect(again.ok, exportYaml(r.config!)).toBe(true);
          expect(configToJson(again.config!)).toEqual(configToJson(r.config!));
        }
      }),
      { numRuns: 400 },
    );
  });

  it("places values where the table says (sanity check of the generator)", () => {
    expect(place("targets.transforms.random_rotate.degree", "-5 5")).toBe(
      "targets:\n  - transforms:\n      - random_rotate:\n          degree: -5 5\n",
    );
    expect(parseExperiment(place("targets.features.text", "a")).ok).toBe(true);
  });
});
