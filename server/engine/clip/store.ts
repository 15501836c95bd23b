/**
 * Node-only model store: the known CLIP checkpoints, where they live on disk (`CLIPIG_MODELS_DIR`,
 * default `data/models`), and `pullModel`, which downloads a Hugging Face repository's files from
 * `CLIPIG_HUB_URL` (default https://huggingface.co) into a hidden partial folder and renames it into
 * place once every file is verified. `tiny-clip` ships with the repository and needs no download.
 */
import { existsSync } from "node:fs";
import { mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { downloadFile, sha256File, type DownloadProgress } from "./download";

export interface KnownModel {
  /** Hugging Face repository id, or a short name for a bundled model. */
  name: string;
  aliases: string[];
  description: string;
  /** Approximate download size in bytes (for the listing). */
  approxBytes: number;
  /** Absolute folder of a model shipped with the repository. */
  bundled?: string;
  files?: readonly HubFile[];
}

export interface HubFile {
  name: string;
  size?: number;
  sha256?: string;
}

/** What a Hugging Face CLIP checkpoint needs: weights, config and the BPE tokenizer. */
export const CLIP_FILES: readonly HubFile[] = [
  { name: "config.json" },
  { name: "vocab.json" },
  { name: "merges.txt" },
  { name: "model.safetensors" },
];

export const TINY_CLIP_DIR = fileURLToPath(new URL("../../../models/tiny-clip", import.meta.url));

export const KNOWN_MODELS: readonly KnownModel[] = [
  {
    name: "openai/clip-vit-base-patch32",
    aliases: ["ViT-B/32", "clip-vit-base-patch32"],
    description: "OpenAI CLIP ViT-B/32 (the default)",
    approxBytes: 605e6,
    files: CLIP_FILES,
  },
  {
    name: "openai/clip-vit-base-patch16",
    aliases: ["ViT-B/16", "clip-vit-base-patch16"],
    description: "OpenAI CLIP ViT-B/16 (finer detail, ~4.4× slower)",
    approxBytes: 599e6,
    files: CLIP_FILES,
  },
  {
    name: "openai/clip-vit-large-patch14",
    aliases: ["ViT-L/14", "clip-vit-large-patch14"],
    description: "OpenAI CLIP ViT-L/14 (best, needs a GPU)",
    approxBytes: 1.71e9,
    files: CLIP_FILES,
  },
  {
    name: "tiny-clip",
    aliases: [],
    description: "random-weight test model, works offline (its images are meaningless)",
    approxBytes: 15.6e6,
    bundled: TINY_CLIP_DIR,
  },
];

export const DEFAULT_MODEL = "openai/clip-vit-base-patch32";

export interface StoreOptions {
  modelsDir?: string;
  hubUrl?: string;
  models?: readonly KnownModel[];
}

export function modelsDir(options: StoreOptions = {}): string {
  return path.resolve(options.modelsDir ?? process.env.CLIPIG_MODELS_DIR ?? "data/models");
}

export function hubUrl(options: StoreOptions = {}): string {
  return (options.hubUrl ?? process.env.CLIPIG_HUB_URL ?? "https://huggingface.co").replace(
    /\/+$/,
    "",
  );
}

export function findModel(name: string, options: StoreOptions = {}): KnownModel | undefined {
  const lower = name.toLowerCase();
  return (options.models ?? KNOWN_MODELS).find(
    (m) => m.name.toLowerCase() === lower || m.aliases.some((a) => a.toLowerCase() === lower),
  );
}

/** Folder an installed copy of the model lives in (whether or not it is there yet). */
export function installDir(model: KnownModel, options: StoreOptions = {}): string {
  return model.bundled ?? path.join(modelsDir(options), model.name.replaceAll("/", "--"));
}

export function isInstalled(model: KnownModel, options: StoreOptions = {}): boolean {
  const dir = installDir(model, options);
  return (model.files ?? CLIP_FILES).every((f) => existsSync(path.join(dir, f.name)));
}

/**
 * The folder holding a model's files, from a known name/alias or a folder path; throws with what to do
 * when the model is unknown or not downloaded yet.
 */
export function resolveModelDir(nameOrDir: string, options: StoreOptions = {}): string {
  const model = findModel(nameOrDir, options);
  if (model) {
    if (!isInstalled(model, options)) {
      throw new Error(
        `model '${model.name}' is not downloaded yet: run \`clipig models pull ${model.name}\` (or use tiny-clip offline)`,
      );
    }
    return installDir(model, options);
  }
  if (existsSync(path.join(nameOrDir, "config.json"))) return path.resolve(nameOrDir);
  const names = (options.models ?? KNOWN_MODELS).map((m) => m.name).join(", ");
  throw new Error(
    `unknown model '${nameOrDir}': not a folder with config.json, nor one of ${names}`,
  );
}

export interface PullProgress extends DownloadProgress {
  fileIndex: number;
  fileCount: number;
}

export interface PullOptions extends StoreOptions {
  onProgress?: (progress: PullProgress) => void;
  signal?: AbortSignal;
  retries?: number;
  stallMs?: number;
}

/**
 * Downloads a known model into the store. Files finished by an interrupted pull are kept in the
 * partial folder (and a half-done one continues from its `.part`), so pulling again resumes.
 */
export async function pullModel(name: string, options: PullOptions = {}): Promise<string> {
  const model = findModel(name, options);
  if (!model)
    throw new Error(
      `unknown model '${name}'; known: ${(options.models ?? KNOWN_MODELS).map((m) => m.name).join(", ")}`,
    );
  const dir = installDir(model, options);
  if (model.bundled || isInstalled(model, options)) return dir;
  const files = model.files ?? CLIP_FILES;
  const partial = path.join(path.dirname(dir), `.${path.basename(dir)}.partial`);
  await mkdir(partial, { recursive: true });
  const manifest: Record<string, { size: number; sha256: string }> = {};
  for (const [index, file] of files.entries()) {
    const dest = path.join(partial, file.name);
    const url = `${hubUrl(options)}/${model.name}/resolve/main/${file.name}`;
    const sha256 = existsSync(dest)
      ? await sha256File(dest)
      : await downloadFile(url, dest, {
          size: file.size,
          sha256: file.sha256,
          signal: options.signal,
          retries: options.retries,
          stallMs: options.stallMs,
          label: file.name,
          onProgress: (p) =>
            options.onProgress?.({ ...p, fileIndex: index, fileCount: files.length }),
        });
    manifest[file.name] = { size: (await stat(dest)).size, sha256 };
  }
  await writeFile(
    path.join(partial, "clipig-model.json"),
    JSON.stringify({ name: model.name, source: hubUrl(options), files: manifest }, null, 2),
  );
  await rm(dir, { recursive: true, force: true });
  await rename(partial, dir);
  return dir;
}

export interface ListedModel {
  name: string;
  aliases: string[];
  description: string;
  status: "bundled" | "installed" | "not installed";
  dir: string;
  bytes: number;
}

/** Known models with their install state, plus any other checkpoint folders found in the store. */
export async function listModels(options: StoreOptions = {}): Promise<ListedModel[]> {
  const listed: ListedModel[] = [];
  for (const model of options.models ?? KNOWN_MODELS) {
    const dir = installDir(model, options);
    const installed = isInstalled(model, options);
    listed.push({
      name: model.name,
      aliases: model.aliases,
      description: model.description,
      status: model.bundled ? "bundled" : installed ? "installed" : "not installed",
      dir,
      bytes: installed ? await folderBytes(dir) : model.approxBytes,
    });
  }
  const root = modelsDir(options);
  const entries = existsSync(root) ? await readdir(root, { withFileTypes: true }) : [];
  for (const entry of entries) {
    const dir = path.join(root, entry.name);
    if (!entry.isDirectory() || entry.name.startsWith(".") || listed.some((m) => m.dir === dir))
      continue;
    if (!existsSync(path.join(dir, "config.json"))) continue;
    listed.push({
      name: entry.name,
      aliases: [],
      description: "local folder",
      status: "installed",
      dir,
      bytes: await folderBytes(dir),
    });
  }
  return listed;
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir)) total += (await stat(path.join(dir, name))).size;
  return total;
}
