import { describe, it, expect, beforeAll } from "vitest";
import { runCli } from "../testing";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Runtime } from "../../server/engine/graph";
import { decodeImage, encodePng } from "../../server/engine/platform/image-io";
import { loadClip } from "../../server/engine/platform/load-clip";
import { cosine } from "../../server/engine/clip/model";
import { clipPreprocess } from "../../server/engine/clip/preprocess";
import { pattern } from "../../server/engine/clip/reference";

const dir = mkdtempSync(path.join(tmpdir(), "clipig-rate-"));
const [a, b, notes] = ["a.png", "sub/b.png", "notes.txt"].map((f) => path.join(dir, f)) as [
  string,
  string,
  string,
];
const TEXTS = ["a curly spoon", "a photo of a curly spoon on a plate"];

beforeAll(async () => {
  writeFileSync(a, await encodePng(pattern(224, 224, 0), 224, 224));
  mkdirSync(path.dirname(b), { recursive: true });
  writeFileSync(b, await encodePng(pattern(320, 200, 1), 320, 200));
  writeFileSync(notes, "not an image");
});

const clipig = (args: string[]) => runCli(["rate", "-m", "tiny-clip", "-d", "cpu", ...args]);

describe("clipig rate", () => {
  it("prints cosines as JSON that match the engine's own embeddings", async () => {
    const result = await clipig([
      "--image",
      b,
      "--image",
      a,
      "--image",
      notes,
      "--text",
      TEXTS[0]!,
      "-t",
      TEXTS[1]!,
      "--json",
    ]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`${notes} seems to be no image`);
    const json = JSON.parse(result.stdout) as {
      images: string[];
      texts: string[];
      similarity: number[][];
    };
    expect(json.images).toEqual([b, a]);
    expect(json.texts).toEqual(TEXTS);

    const model = await loadClip("tiny-clip", {
      runtime: await Runtime.create({ device: "cpu", threads: 1 }),
    });
    const texts = await model.encodeText(TEXTS);
    const images = await model.encodeImages([
      clipPreprocess(await decodeImage(b)),
      clipPreprocess(await decodeImage(a)),
    ]);
    images.forEach((e, i) =>
      texts.forEach((t, j) => expect(json.similarity[i]![j]).toBeCloseTo(cosine(e, t), 5)),
    );
    expect(new Set(json.similarity.flat()).size).toBe(4);
    // a.png is the 8-bit reference pattern: close to the float pattern's (reference-checked) embedding.
    const [exact] = await model.encodeImages([pattern(224, 224, 0)]);
    texts.forEach((t, j) =>
      expect(Math.abs(json.similarity[1]![j]! - cosine(exact!, t))).toBeLessThan(0.002),
    );
  });

  it("prints the 100·cosine table with statistics, sorted by a column, and writes CSV", async () => {
    const csv = path.join(dir, "out.csv");
    const json = JSON.parse(
      (await clipig([a, b, "-t", TEXTS[0]!, "--ref-image", a, "--json"])).stdout,
    ) as { similarity: number[][] };
    const result = await clipig([a, b, "-t", TEXTS[0]!, "--ref-image", a, "--sort=-1", "-o", csv]);
    expect(result.code).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines[0]).toMatch(new RegExp(`^ +${TEXTS[0]}  +\\.\\..*a\\.png$`));
    const [first, second] = [json.similarity[0]![0]!, json.similarity[1]![0]!];
    const order = first >= second ? ["a.png", "sub/b.png"] : ["sub/b.png", "a.png"];
    expect(lines[1]).toMatch(
      new RegExp(`^${order[0]} +${(100 * Math.max(first, second)).toFixed(2)} `),
    );
    expect(lines[2]).toMatch(
      new RegExp(`^${order[1]} +${(100 * Math.min(first, second)).toFixed(2)} `),
    );
    expect(result.stdout).toMatch(new RegExp(`\\nmean +${(50 * (first + second)).toFixed(2)} +`));
    expect(result.stdout).toMatch(/\ncount +2 +2\n/);
    expect(result.stdout).toMatch(/\nmax +[\d.]+ +100\.00\n/); // a.png against itself
    const rows = readFileSync(csv, "utf8").trim().split("\n");
    expect(rows[0]).toBe(`file,${TEXTS[0]},${a}`);
    expect(Number(rows[1]!.split(",")[1])).toBeCloseTo(100 * first, 4);
  });

  it("asks for something to compare with", async () => {
    const result = await clipig([a]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Need to define at least one '-t/--text' or '--ref-image'");
  });
});
