/**
 * `clipig rate`: CLIP similarity of image files against texts (and reference images), as CLIPig's
 * `rate.py` (defgsus/clipig rate.py:93,218): a table of 100·cosine with per-column statistics, or
 * `--json` with plain cosines.
 */
import { writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Command } from "../command";
import { fail, parseVerbArgs } from "../verb";
import { expandClipigFlags } from "../clipig-flags";
import { parseDevice, selectCudaDevice } from "../device";
import { EmbeddingCache, cacheDir } from "../embedding-cache";
import { decodeImage } from "../../server/engine/platform/image-io";
import { loadClip } from "../../server/engine/platform/load-clip";
import { cosine, type ClipModel } from "../../server/engine/clip/model";
import { clipPreprocess } from "../../server/engine/clip/preprocess";
import { DEFAULT_MODEL } from "../../server/engine/platform/model-store";

const USAGE = `usage: clipig rate [FILE ...] [--image FILE ...] [-t TEXT ...] [-i FILE ...]
                   [-tf FILE] [-if FILE] [-m MODEL] [-d DEVICE] [-c]
                   [-s N] [-o CSV] [--json]

Rates image files (rows) against texts and reference images (columns) with CLIP.
  --image FILE          an image to rate (repeatable; plain FILE arguments too)
  -t, --text TEXT       a text to compare with (repeatable)
  -tf, --text-file FILE one text per non-empty line
  -i, --ref-image FILE  a reference image to compare with (repeatable; rate.py's -i)
  -if, --ref-image-file FILE  one reference image path per non-empty line
  -m, --model MODEL     model name, alias or folder (default ${DEFAULT_MODEL}; tiny-clip works offline)
  -d, --device DEVICE   auto (default), cpu, cuda, cuda:N or webgpu
  -c, --cache           reuse image embeddings from earlier runs (a file per image, model and
                        modification time in $CLIPIG_RATE_CACHE, default ~/.cache/clipig-rate)
  -s, --sort N          sort by column |N| (1-based): ascending if N > 0, descending if
                        N < 0 (write --sort=-N)
  -o, --csv FILE        also write the (unshortened) table of 100·cosine as CSV
  --json                print {"images", "texts", "similarity"} (cosines, in argument order)
`;

// rate.py's multi-letter flags (defgsus/clipig rate.py:33-39).
const CLIPIG_FLAGS = { aliases: { "-tf": "--text-file", "-if": "--ref-image-file" } };

const OPTIONS = {
  image: { type: "string", multiple: true },
  text: { type: "string", short: "t", multiple: true },
  "text-file": { type: "string" },
  "ref-image": { type: "string", short: "i", multiple: true },
  "ref-image-file": { type: "string" },
  model: { type: "string", short: "m" },
  device: { type: "string", short: "d" },
  sort: { type: "string", short: "s" },
  csv: { type: "string", short: "o" },
  json: { type: "boolean" },
  cache: { type: "boolean", short: "c" },
  help: { type: "boolean", short: "h" },
} as const;

interface Rating {
  images: string[];
  texts: string[];
  references: string[];
  /** rows = images, columns = texts then references; cosine similarity. */
  similarity: number[][];
}

const command: Command = {
  name: "rate",
  summary: "CLIP similarity of images against texts and reference images",
  async run(args) {
    const parsed = parseVerbArgs("rate", USAGE, {
      args: expandClipigFlags(args, CLIPIG_FLAGS),
      options: OPTIONS,
      allowPositionals: true,
    });
    if (typeof parsed === "number") return parsed;
    const { values, positionals } = parsed;
    try {
      const texts = [...(values.text ?? []), ...lines(values["text-file"])];
      const references = [...(values["ref-image"] ?? []), ...lines(values["ref-image-file"])];
      const files = [...positionals, ...(values.image ?? [])];
      if (texts.length + references.length === 0) {
        process.stderr.write("Need to define at least one '-t/--text' or '-i/--ref-image'\n");
        return 1;
      }
      if (files.length === 0) return fail("rate", "no images to rate", 1, USAGE);
      const sort = values.sort === undefined ? 0 : Number(values.sort);
      if (!Number.isInteger(sort) || Math.abs(sort) > texts.length + references.length) {
        throw new Error(
          `--sort ${values.sort}: expected a column number between 1 and ${texts.length + references.length} (or negative)`,
        );
      }
      const device = parseDevice(values.device ?? "auto", "--device");
      if (device.cudaDevice !== undefined) selectCudaDevice(device.cudaDevice);
      const modelName = values.model ?? DEFAULT_MODEL;
      const model = await loadClip(modelName, {
        runtimeOptions: { device: device.request },
      });
      const cache = values.cache ? new EmbeddingCache(cacheDir(), modelName) : null;
      const rating = await rate(model, files, texts, references, cache);
      if (values.csv) await writeFile(values.csv, csv(rating));
      process.stdout.write(
        values.json
          ? `${JSON.stringify({ images: rating.images, texts: rating.texts, ...(references.length ? { references } : {}), similarity: rating.similarity })}\n`
          : table(rating, sort),
      );
      return 0;
    } catch (error) {
      return fail("rate", error);
    }
  },
};
export default command;

async function rate(
  model: ClipModel,
  files: string[],
  texts: string[],
  references: string[],
  cache: EmbeddingCache | null,
): Promise<Rating> {
  const [images, embeddings] = await embedImages(model, files, true, cache);
  if (images.length === 0) throw new Error("none of the files is an image");
  const [refs, refEmbeddings] = await embedImages(model, references, false, cache);
  const columns = [...(await model.encodeText(texts)), ...refEmbeddings];
  return {
    images,
    texts,
    references: refs,
    similarity: embeddings.map((e) => columns.map((c) => cosine(e, c))),
  };
}

/**
 * The embeddings of image files, preprocessed at the model's own input size (`image_size` of its
 * config); files that fail are skipped with a note (or, for references, an error). With a cache,
 * images already there are not decoded or encoded again (rate.py's `-c`).
 */
async function embedImages(
  model: ClipModel,
  files: string[],
  skipBad: boolean,
  cache: EmbeddingCache | null,
): Promise<[string[], Float32Array[]]> {
  const names: string[] = [];
  const found = new Map<string, Float32Array>();
  const todo: { file: string; pixels: Float32Array }[] = [];
  for (const file of files) {
    const cached = cache?.get(file);
    if (cached) {
      found.set(file, cached);
      names.push(file);
      continue;
    }
    try {
      todo.push({ file, pixels: clipPreprocess(await decodeImage(file), model.imageSize) });
      names.push(file);
    } catch (error) {
      if (!skipBad) throw new Error(`reference image ${file}: ${(error as Error).message}`);
      process.stderr.write(`${file} seems to be no image\n`);
    }
  }
  const encoded = todo.length ? await model.encodeImages(todo.map((t) => t.pixels)) : [];
  todo.forEach(({ file }, i) => {
    found.set(file, encoded[i]!);
    cache?.set(file, encoded[i]!);
  });
  return [names, names.map((f) => found.get(f)!)];
}

function lines(file: string | undefined): string[] {
  if (!file) return [];
  return readFileSync(file, "utf8")
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "");
}

function table(rating: Rating, sort: number): string {
  const order = rating.images.map((_, i) => i);
  if (sort === 0) order.sort((a, b) => (rating.images[a]! < rating.images[b]! ? -1 : 1));
  else
    order.sort(
      (a, b) =>
        Math.sign(sort) *
        (rating.similarity[a]![Math.abs(sort) - 1]! - rating.similarity[b]![Math.abs(sort) - 1]!),
    );
  const rows = stripCommonDir(rating.images).map((name) => shorten(name, 30));
  const headers = [...rating.texts, ...rating.references].map((name) => shorten(name, 20));
  const body = order.map((i) => [
    rows[i]!,
    ...rating.similarity[i]!.map((s) => (100 * s).toFixed(2)),
  ]);
  const columns = headers.map((_, c) => rating.similarity.map((row) => 100 * row[c]!));
  const stats = describe(columns).map(([label, values]) => [
    label,
    ...values.map((v) => (Number.isNaN(v) ? "NaN" : label === "count" ? String(v) : v.toFixed(2))),
  ]);
  const all = [["", ...headers], ...body, ...stats];
  const widths = all[0]!.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  const format = (r: string[]) =>
    r
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join("  ")
      .trimEnd();
  return [format(all[0]!), ...body.map(format), "", ...stats.map(format)].join("\n") + "\n";
}

/** pandas `describe()`: count, mean, std (n - 1), min, quartiles (linear), max. */
function describe(columns: number[][]): [string, number[]][] {
  const quantile = (sorted: number[], q: number) => {
    const at = (sorted.length - 1) * q;
    const lo = Math.floor(at);
    return sorted[lo]! + (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!) * (at - lo);
  };
  const stat = (fn: (values: number[], sorted: number[]) => number) =>
    columns.map((c) =>
      fn(
        c,
        [...c].sort((a, b) => a - b),
      ),
    );
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  return [
    ["count", stat((v) => v.length)],
    ["mean", stat(mean)],
    ["std", stat((v) => Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1)))],
    ["min", stat((_, s) => s[0]!)],
    ["25%", stat((_, s) => quantile(s, 0.25))],
    ["50%", stat((_, s) => quantile(s, 0.5))],
    ["75%", stat((_, s) => quantile(s, 0.75))],
    ["max", stat((_, s) => s.at(-1)!)],
  ];
}

function stripCommonDir(files: string[]): string[] {
  if (files.length < 2) return files;
  const dirs = files.map((f) => path.dirname(path.resolve(f)).split(path.sep));
  let common = 0;
  while (dirs.every((d) => d[common] !== undefined && d[common] === dirs[0]![common])) common++;
  return files.map((f) => path.resolve(f).split(path.sep).slice(common).join(path.sep));
}

/** Paths keep their end (`..ng/file.png`), texts their start (`a photo of a cur..`). */
function shorten(name: string, max: number): string {
  if (name.length <= max) return name;
  const isPath = name.includes("/") || /\.(png|jpe?g|webp|gif|bmp|tiff?)$/i.test(name);
  return isPath ? `..${name.slice(name.length - max + 2)}` : `${name.slice(0, max - 2)}..`;
}

function csv(rating: Rating): string {
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const header = ["file", ...rating.texts, ...rating.references].map(quote).join(",");
  return (
    [
      header,
      ...rating.images.map((f, i) =>
        [quote(f), ...rating.similarity[i]!.map((s) => String(100 * s))].join(","),
      ),
    ].join("\n") + "\n"
  );
}
