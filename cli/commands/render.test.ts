import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { ROOT, runCli } from "../testing";
import { parseExperiment } from "../../lib/experiment";

const EXPERIMENT = `
resolution: 24 16
epochs: 50
verbose: 2
targets:
  - name: spoon
    features:
      - text: a curly spoon
    transforms:
      - random_shift: 0 1
    constraints:
      - blur:
          kernel_size: 3
`;

describe("clipig render", () => {
  it("renders a PNG and the full YAML next to it, never overwriting", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "clipig-render-"));
    const yaml = path.join(dir, "demo.yaml");
    writeFileSync(yaml, EXPERIMENT);
    const out = `${dir}/out/`;
    const stats = path.join(dir, "stats.json");
    const first = await runCli([
      "render",
      yaml,
      "-o",
      out,
      "-e",
      "3",
      "--model",
      "tiny-clip",
      "--device",
      "cpu",
      "--seed",
      "5",
      "--json-stats",
      stats,
    ]);
    expect(first.stderr).toContain("--- train step 3 / 3 ---");
    expect(first.code).toBe(0);
    const png = path.join(dir, "out", "demo.png");
    expect(first.stderr).toContain(png);
    const meta = await sharp(png).metadata();
    expect([meta.width, meta.height]).toEqual([24, 16]);

    const written = readFileSync(path.join(dir, "out", "demo.yaml"), "utf8");
    const header = written.split("\n").filter((l) => l.startsWith("#"));
    expect(header[0]).toMatch(/^# auto-generated at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(header[1]).toBe("# epochs: 2 / 3");
    expect(header[2]).toMatch(/^# runtime: \d+\.\d\d seconds \(\d+\.\d{3}\/epoch\)$/);
    expect(header[3]).toBe("# targets:");
    expect(header[4]).toMatch(
      /^# spoon {8}: 1.0 x a curly spoon +: count 3 \(100.0%\) \/ loss [\d.]+ \(.*\) \/ sim /,
    );
    expect(header[5]).toMatch(
      /^# {3}constraint : 1.0 x blur\(kernel_size=\[3, 3\], loss=l2\) : count 3/,
    );
    // The body is the full experiment: it parses, with the overrides applied.
    const reparsed = parseExperiment(written);
    expect(reparsed.ok).toBe(true);
    expect(reparsed.config!.epochs).toBe(3);
    expect(reparsed.config!.targets[0].name).toBe("spoon");

    const json = JSON.parse(readFileSync(stats, "utf8"));
    expect(json).toMatchObject({
      output: png,
      model: "tiny-clip",
      seed: 5,
      interrupted: false,
      epochs: 3,
    });
    expect(json.stats.epoch).toBe(2);
    expect(json.table).toHaveLength(2);

    const second = await runCli([
      "render",
      yaml,
      "-o",
      out,
      "-e",
      "2",
      "--repeat",
      "2",
      "--optimizer",
      "sgd",
      "--learnrate",
      "0.5",
      "-s",
      "0",
      "--model",
      "tiny-clip",
      "--device",
      "cpu",
    ]);
    expect(second.code).toBe(0);
    for (const n of [1, 2]) expect(existsSync(path.join(dir, "out", `demo-${n}.png`))).toBe(true);
    const overridden = parseExperiment(
      readFileSync(path.join(dir, "out", "demo-2.yaml"), "utf8"),
    ).config!;
    expect([
      overridden.optimizer,
      overridden.learnrate,
      overridden.snapshot_interval.value,
      overridden.epochs,
    ]).toEqual(["sgd", 0.5, 0, 2]);
    expect(readFileSync(path.join(dir, "out", "demo.yaml"), "utf8")).toBe(written);
  }, 60_000);

  it("reports experiment errors with line and column and exits 1", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "clipig-render-"));
    const yaml = path.join(dir, "bad.yaml");
    writeFileSync(yaml, "epochs: 3\ntargets:\n  - features:\n      - txt: spoon\n");
    const r = await runCli(["render", yaml, "--model", "tiny-clip"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad.yaml: .*\(line 4, col \d+\): unknown parameter/);
    expect(existsSync(path.join(dir, "bad.png"))).toBe(false);
  }, 30_000);

  it("stops cleanly on Ctrl-C and keeps the last image", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "clipig-render-"));
    const yaml = path.join(dir, "long.yaml");
    writeFileSync(yaml, EXPERIMENT.replace("epochs: 50", "epochs: 100000"));
    // One process (no tsx wrapper), as a terminal's Ctrl-C reaches it.
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "cli/main.ts",
        "render",
        yaml,
        "-o",
        `${dir}/out/`,
        "--model",
        "tiny-clip",
        "--device",
        "cpu",
      ],
      { cwd: ROOT },
    );
    let stderr = "";
    const started = new Promise<void>((resolve) =>
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes("--- train step")) resolve();
      }),
    );
    const exited = new Promise<number | null>((resolve) =>
      child.on("exit", (code) => resolve(code)),
    );
    await started;
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(stderr).toContain("training stop requested");
    const meta = await sharp(path.join(dir, "out", "long.png")).metadata();
    expect([meta.width, meta.height]).toEqual([24, 16]);
    // An interrupted render writes no YAML: CLIPig catches the interrupt outside the loop that
    // saves (defgsus/clipig clipig.py:18-37).
    expect(existsSync(path.join(dir, "out", "long.yaml"))).toBe(false);
  }, 60_000);

  it("prints usage without an experiment", async () => {
    const r = await runCli(["render"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("usage: clipig render EXPERIMENT.yaml");
  }, 30_000);
});
