import { describe, it, expect, beforeAll } from "vitest";
import { runCli, tinyClipWithImageSize } from "../testing";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
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
    expect(result.stderr).toContain("Need to define at least one '-t/--text' or '-i/--ref-image'");
  });

  it("takes rate.py's -i, -tf and -if as --ref-image, --text-file and --ref-image-file", async () => {
    const texts = path.join(dir, "texts.txt");
    const refs = path.join(dir, "refs.txt");
    writeFileSync(texts, `${TEXTS[0]}\n\n${TEXTS[1]}\n`);
    writeFileSync(refs, `${b}\n`);
    const json = (r: { stdout: string }) =>
      JSON.parse(r.stdout) as { texts: string[]; references: string[]; similarity: number[][] };
    const clipigs = json(await clipig([a, "-tf", texts, "-i", a, "-if", refs, "--json"]));
    const ours = json(
      await clipig([a, "--text-file", texts, "--ref-image", a, "--ref-image-file", refs, "--json"]),
    );
    expect(clipigs.texts).toEqual(TEXTS);
    expect(clipigs.references).toEqual([a, b]);
    expect(clipigs.similarity[0]![2]).toBeCloseTo(1, 5); // a against itself
    expect(clipigs).toEqual(ours);
  });

  it("preprocesses at the model's own input size (a 64-pixel tiny-clip)", async () => {
    const model = tinyClipWithImageSize(path.join(dir, "tiny-clip-64"), 64);
    const result = await runCli(["rate", "-m", model, "-d", "cpu", a, "-t", TEXTS[0]!, "--json"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const clip = await loadClip(model, { runtime: await Runtime.create({ device: "cpu" }) });
    expect(clip.imageSize).toBe(64);
    const [image] = await clip.encodeImages([clipPreprocess(await decodeImage(a), 64)]);
    const [text] = await clip.encodeText([TEXTS[0]!]);
    const similarity = (JSON.parse(result.stdout) as { similarity: number[][] }).similarity;
    expect(similarity[0]![0]).toBeCloseTo(cosine(image!, text!), 5);
  });

  it("-c reuses image embeddings by file, modification time and model", async () => {
    const cache = path.join(dir, "cache");
    const env = { CLIPIG_RATE_CACHE: cache };
    const args = ["rate", "-m", "tiny-clip", "-d", "cpu", a, b, "-t", TEXTS[0]!, "--json", "-c"];
    const first = await runCli(args, env);
    expect(first.code).toBe(0);
    const files = readdirSync(cache);
    expect(files).toHaveLength(2);
    const similarity = (r: { stdout: string }) =>
      (JSON.parse(r.stdout) as { similarity: number[][] }).similarity;
    expect(similarity(await runCli(args, env))).toEqual(similarity(first));
    // The cached embedding is what a second run uses: change every stored value's sign.
    for (const f of files) {
      const bytes = readFileSync(path.join(cache, f));
      for (let i = 0; i < bytes.length; i += 4) bytes.writeFloatLE(-bytes.readFloatLE(i), i);
      writeFileSync(path.join(cache, f), bytes);
    }
    const flipped = similarity(await runCli(args, env));
    flipped.forEach((row, i) => expect(row[0]).toBeCloseTo(-similarity(first)[i]![0]!, 5));
    // Another model never reads them.
    const other = tinyClipWithImageSize(path.join(dir, "tiny-clip-64c"), 64);
    const again = await runCli([...args.slice(0, 2), other, ...args.slice(3)], env);
    expect(again.code).toBe(0);
    expect(readdirSync(cache)).toHaveLength(4);
  });
});
