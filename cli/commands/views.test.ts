// `clipig views` end to end: a 5×4 image through one transform prints that transform's exact output.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import sharp from "sharp";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), "clipig-views-"));
// tsx directly (npx adds a second of start-up per call)
const cli = (...args: string[]) =>
  run(process.execPath, ["--import", "tsx", "cli/main.ts", "views", ...args], {
    cwd: process.cwd(),
    maxBuffer: 1 << 26,
  });

// A 5×4 (w×h) image: red = 0.1·(5y + x), green 0, blue = x/4.
const red = Array.from({ length: 4 }, (_, y) =>
  Array.from({ length: 5 }, (_, x) => (5 * y + x) / 10),
);
const blue = Array.from({ length: 4 }, () => Array.from({ length: 5 }, (_, x) => x / 4));
const green = red.map((row) => row.map(() => 0));
const experiment = (transforms: string, batch = 1) => `
resolution: 5 4
init:
  image_tensor: ${JSON.stringify([red, green, blue])}
targets:
  - name: tiny
    batch_size: ${batch}
    features:
      - text: a
    transforms:
${transforms}
`;
const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};

describe("clipig views", () => {
  it("--json --raw prints the exact output of one transform (shift: 2 1 rolls right 2, down 1)", async () => {
    // Red reaches 1.9: without `clamp_items: false` the item's output is clamped to [0, 1] as in CLIPig.
    const file = write("shift.yaml", "clamp_items: false\n" + experiment("      - shift: 2 1"));
    const { stdout } = await cli(file, "--json", "--raw");
    const { views } = JSON.parse(stdout) as { views: number[][][][] };
    expect(views.length).toBe(1);
    const roll = (ch: number[][]) =>
      ch.map((_, y) => ch[y].map((_, x) => ch[(y - 1 + 4) % 4][(x - 2 + 5) % 5]));
    expect(views[0]).toEqual([roll(red), roll(green), roll(blue)]);
  }, 30000);

  it("renders a random target's batch as a grid PNG, resized to the model size", async () => {
    const file = write(
      "noise.yaml",
      experiment("      - random_rotate:\n          degree: -90 90", 3),
    );
    const out = path.join(dir, "grid.png");
    const json = JSON.parse((await cli(file, "--json", "--size", "8", "--seed", "5")).stdout) as {
      views: number[][][][];
    };
    expect(json.views.length).toBe(3);
    expect(
      json.views.every((v) => v.length === 3 && v[0].length === 8 && v[0][0].length === 8),
    ).toBe(true);
    expect(json.views.flat(3).every((x) => x >= 0 && x <= 1)).toBe(true);
    await cli(file, "-o", out, "--size", "8", "--target", "tiny");
    const meta = await sharp(readFileSync(out)).metadata();
    expect([meta.width, meta.height]).toEqual([2 * 8 + 3 * 2, 2 * 8 + 3 * 2]); // 2×2 grid with 2-pixel gaps
  }, 30000);

  it("says which targets exist when the target is unknown", async () => {
    const file = write("bad.yaml", experiment("      - shift: 1 1"));
    await expect(cli(file, "--target", "7")).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining("targets: 0: tiny"),
    });
  }, 30000);
});
