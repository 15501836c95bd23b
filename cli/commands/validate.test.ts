/** `clipig validate` as a person runs it: a real process, files and stdin, exit codes. */
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "..", "..");
const FIXTURE = join(ROOT, "lib/experiment/fixtures/walkthrough-04-noise-and-blur.yaml");

function clipig(args: string[], input?: string) {
  const r = spawnSync(process.execPath, ["--import", "tsx", "cli/main.ts", "validate", ...args], {
    cwd: ROOT,
    input,
    encoding: "utf8",
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "clipig-validate-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("clipig validate", () => {
  it("accepts a valid file: prints ok, exit 0", () => {
    const r = clipig([FIXTURE]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(`${FIXTURE}: ok\n`);
    expect(r.code).toBe(0);
  });

  it("checklist 2 and 5: reads stdin with `-`; errors with path, line, column; exit 1", () => {
    const r = clipig(
      ["-"],
      "epochs: abc\ntargets:\n  - transforms:\n      - random_rotate:\n          degree: 1 2 3\n",
    );
    expect(r.stderr).toBe(
      "<stdin>: epochs (line 1, col 9): Expected type 'int', got 'abc'\n" +
        "<stdin>: targets[0].transforms[0].random_rotate.degree (line 5, col 19): expected list of length 1 or 2, got 3\n",
    );
    expect(r.code).toBe(1);
  });

  it("--json prints the full config with defaults and expressions as {$expr}", () => {
    const r = clipig(["--json", FIXTURE]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.ok).toBe(true);
    expect(out.config.epochs).toBe(300);
    expect(out.config.init.mean).toEqual([0.5, 0.5, 0.5]);
    expect(out.config.targets[0].transforms[0].noise).toEqual([
      { $expr: "0.1*ti" },
      { $expr: "0.1*ti" },
      { $expr: "0.1*ti" },
    ]);
  });

  it("--json on errors: {ok:false, errors:[{path,line,column,message}]}, exit 1", () => {
    const r = clipig(["--json", "-"], "targets:\n  - features:\n      - txt: spoon\n");
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({
      ok: false,
      errors: [
        {
          path: "targets[0].features[0].txt",
          line: 3,
          column: 9,
          message: "unknown parameter 'targets.features.txt' (did you mean 'text'?)",
        },
      ],
    });
  });

  it("merges several files and names the file in each message", () => {
    const a = join(dir, "a.yaml");
    const b = join(dir, "b.yaml");
    writeFileSync(a, "epochs: 10\ntargets:\n  - features: [{text: a}]\n");
    writeFileSync(b, "learnrate: 1/t\n");
    const r = clipig([a, b]);
    expect(r.stderr).toBe(
      `${b}: learnrate (line 1, col 12): ZeroDivisionError: float division by zero\n`,
    );
    expect(r.code).toBe(1);
    writeFileSync(b, "epochs: 20\n");
    expect(JSON.parse(clipig(["--json", a, b]).stdout).config.epochs).toBe(20);
  });

  it("usage errors exit 2", () => {
    expect(clipig([]).code).toBe(2);
    expect(clipig([join(dir, "missing.yaml")]).code).toBe(2);
  });
});
