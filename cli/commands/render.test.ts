import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { ROOT, runCli } from "../testing";
import { parseExperiment } from "../../lib/experiment";
import { REGISTRY } from "../../lib/experiment/params";

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

/** The experiment a render wrote beside its image, parsed. */
const writtenConfig = (dir: string, file: string) =>
  parseExperiment(readFileSync(path.join(dir, "out", file), "utf8")).config!;

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
    const overridden = writtenConfig(dir, "demo-2.yaml");
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

  it("--help documents CLIPig's spellings beside ours", async () => {
    const [main, render, rate] = await Promise.all([
      runCli(["--help"]),
      runCli(["render", "--help"]),
      runCli(["rate", "--help"]),
    ]);
    expect(main.stdout).toContain("render and rate take CLIPig's flags too");
    for (const flag of ["-lr, --learnrate", "-opt, --optimizer", "-d, --device", "-v, --verbose"])
      expect(render.stdout).toContain(flag);
    expect(render.stdout).toContain("-r, --resolution W [H]");
    for (const flag of [
      "-i, --ref-image",
      "-tf, --text-file",
      "-if, --ref-image-file",
      "-c, --cache",
    ])
      expect(rate.stdout).toContain(flag);
  }, 30_000);

  it("without a file prints the parameter list, as CLIPig's clipig.py", async () => {
    const r = await runCli(["render"]);
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines.at(-1)).toBe("Please specify a yaml configuration file");
    // One `path (type: …)` line per parameter of the table (defgsus/clipig src/doc.py:8-29).
    const leaves = REGISTRY.filter((e) => e.spec);
    for (const e of leaves) expect(lines.some((l) => l.startsWith(`${e.path} (type: `))).toBe(true);
    expect(lines).toContain("epochs (type: int)");
    expect(lines).toContain("resolution (type: list of length 2 of int)");
    expect(lines).toContain("learnrate (type: float)");
  }, 30_000);

  it("takes CLIPig's flags: -lr, -opt, -r W H, -v, -d, several YAML files merged", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "clipig-render-"));
    const base = path.join(dir, "base.yaml");
    const over = path.join(dir, "over.yaml");
    writeFileSync(base, EXPERIMENT);
    // Later files override earlier ones (defgsus/clipig src/parameters.py:725-727); the output
    // name comes from the last one.
    writeFileSync(over, "epochs: 2\nlearnrate_scale: 0.25\n");
    const r = await runCli([
      "render",
      base,
      over,
      "-o",
      `${dir}/out/`,
      "-lr",
      "0.5",
      "-opt",
      "sgd",
      "-r",
      "20",
      "12",
      "-v",
      "0",
      "-d",
      "cpu",
      "--model",
      "tiny-clip",
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain("--- train step"); // verbose 0: no statistics
    const png = path.join(dir, "out", "over.png");
    const meta = await sharp(png).metadata();
    expect([meta.width, meta.height]).toEqual([20, 12]);
    const config = writtenConfig(dir, "over.yaml");
    expect([
      config.learnrate,
      config.optimizer,
      config.verbose,
      config.epochs,
      config.learnrate_scale,
      config.targets[0].name,
    ]).toEqual([0.5, "sgd", 0, 2, 0.25, "spoon"]);
  }, 60_000);

  it("reads cuda:N from -d and from the YAML's device, and says clearly when CUDA is absent", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "clipig-render-"));
    const yaml = path.join(dir, "gpu.yaml");
    writeFileSync(yaml, `device: cuda:1\n${EXPERIMENT.replace("verbose: 2", "verbose: 0")}`);
    const out = ["-o", path.join(dir, "out")]; // never the working folder
    const fromYaml = await runCli(
      ["render", yaml, "-e", "1", "-v", "2", "--model", "tiny-clip", ...out],
      { CUDA_VISIBLE_DEVICES: "" },
    );
    expect(fromYaml.stderr).toContain("cuda:1: CUDA_VISIBLE_DEVICES=1");
    const fromFlag = await runCli([
      "render",
      yaml,
      ...["-e", "1", "--model", "tiny-clip", "-d", "cpu", ...out],
    ]);
    expect(fromFlag.code).toBe(0); // the flag overrides the YAML
    // Without CUDA (or without a second GPU) the render stops with the provider's reason.
    if (fromYaml.code !== 0) expect(fromYaml.stderr).toMatch(/execution provider "cuda"|cuda/i);
    const bad = await runCli(["render", yaml, "-d", "cuda:one", "--model", "tiny-clip", ...out]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("--device: unknown device 'cuda:one'");
  }, 60_000);
});
