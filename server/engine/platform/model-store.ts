/**
 * Node-only model store: the known CLIP checkpoints, where they live on disk (`CLIPIG_MODELS_DIR`,
 * default `<CLIPIG_DATA_DIR>/models`), and `pullModel`, which downloads a Hugging Face repository's
 * files from `CLIPIG_HUB_URL` (default https://huggingface.co, or a mirror) into a hidden partial
 * folder and renames it into place once every file is verified. The one download path of the CLI
 * (`clipig models`) and the server (`server/models`). `tiny-clip` ships with the repository.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, rename, rm, stat, statfs, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { cachedRelease, OPENAI_RELEASES, TOKENIZER_REPO } from "./openai-models";
import {
  DownloadError,
  downloadFile,
  remoteFile,
  sha256File,
  type DownloadProgress,
} from "./download";

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
  /** Absolute download URL (OpenAI's CDN) instead of the model's hub repository. */
  url?: string;
  /** Another hub repository holding the file (the release files' tokenizer). */
  repo?: string;
}

/** What a Hugging Face CLIP checkpoint needs: weights, config and the BPE tokenizer. */
export const CLIP_FILES: readonly HubFile[] = [
  { name: "config.json" },
  { name: "vocab.json" },
  { name: "merges.txt" },
  { name: "model.safetensors" },
];

/** An open_clip hub repository (`timm/…clip.openai`, LAION's): config, weights, CLIP's tokenizer beside. */
export const OPEN_CLIP_FILES: readonly HubFile[] = [
  { name: "open_clip_config.json" },
  { name: "open_clip_model.safetensors" },
  { name: "vocab.json", repo: TOKENIZER_REPO },
  { name: "merges.txt", repo: TOKENIZER_REPO },
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
  // OpenAI's ResNet release files (and ViT-L/14@336px), with the tokenizer of the transformers repo.
  ...OPENAI_RELEASES.filter((r) => r.name.startsWith("RN") || r.name.includes("@")).map(
    (r): KnownModel => ({
      name: r.name,
      aliases: [],
      description: r.description,
      approxBytes: r.approxBytes,
      files: [
        { name: r.file, url: r.url, sha256: r.sha256 },
        { name: "vocab.json", repo: TOKENIZER_REPO },
        { name: "merges.txt", repo: TOKENIZER_REPO },
      ],
    }),
  ),
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
  return path.resolve(
    options.modelsDir ??
      process.env.CLIPIG_MODELS_DIR ??
      path.join(process.env.CLIPIG_DATA_DIR ?? "data", "models"),
  );
}

export function hubUrl(options: StoreOptions = {}): string {
  return (options.hubUrl ?? process.env.CLIPIG_HUB_URL ?? "https://huggingface.co").replace(
    /\/+$/,
    "",
  );
}

/** A Hugging Face repository id (`owner/name`); never a path that could leave the store. */
export function isRepoId(name: string): boolean {
  return /^[A-Za-z0-9][\w.-]{0,95}\/[A-Za-z0-9][\w.-]{0,95}$/.test(name) && !name.includes("..");
}

/** Any hub repository taken as a CLIP checkpoint (the files every CLIP checkpoint has). */
export function hubModel(repoId: string): KnownModel {
  return {
    name: repoId,
    aliases: [],
    description: "hub repository",
    approxBytes: 0,
    files: CLIP_FILES,
  };
}

/** A known model by name or alias, else a hub repository already pulled into the store. */
export function findModel(name: string, options: StoreOptions = {}): KnownModel | undefined {
  const lower = name.toLowerCase();
  const known = (options.models ?? KNOWN_MODELS).find(
    (m) => m.name.toLowerCase() === lower || m.aliases.some((a) => a.toLowerCase() === lower),
  );
  if (known || !isRepoId(name)) return known;
  const pulled = hubModel(name);
  const dir = installDir(pulled, options);
  if (!existsSync(path.join(dir, MANIFEST))) return undefined;
  return existsSync(path.join(dir, "open_clip_config.json"))
    ? { ...pulled, files: OPEN_CLIP_FILES }
    : pulled;
}

/** Written last into a pulled model's folder: where it came from and each file's size and sha256. */
const MANIFEST = "clipig-model.json";

/** Folder an installed copy of the model lives in (whether or not it is there yet). */
export function installDir(model: KnownModel, options: StoreOptions = {}): string {
  return model.bundled ?? path.join(modelsDir(options), model.name.replaceAll("/", "--"));
}

/** The hidden folder a pull fills before it is renamed into place (kept between tries: resume). */
export function partialDir(model: KnownModel, options: StoreOptions = {}): string {
  const dir = installDir(model, options);
  return path.join(path.dirname(dir), `.${path.basename(dir)}.partial`);
}

/** Loadable: in the store, or (OpenAI's release files) in CLIP's own cache. */
export function isInstalled(model: KnownModel, options: StoreOptions = {}): boolean {
  return inStore(model, options) || cachedCopy(model) !== undefined;
}

/** Every file of the model is in the store's folder (or it is bundled). */
export function inStore(model: KnownModel, options: StoreOptions = {}): boolean {
  const dir = installDir(model, options);
  return (model.files ?? CLIP_FILES).every((f) => existsSync(path.join(dir, f.name)));
}

/** The model's OpenAI release file in CLIP's own cache (`~/.cache/clip`), by its name or an alias. */
export function cachedCopy(model: KnownModel): string | undefined {
  for (const name of [model.name, ...model.aliases]) {
    const file = cachedRelease(name);
    if (file) return file;
  }
  return undefined;
}

/**
 * The folder holding a model's files, from a known name/alias or a folder path — or an OpenAI release
 * file (`.pt`: a path, or the name of one in CLIP's cache); throws with what to do when the model is
 * unknown or not downloaded yet.
 */
export function resolveModelDir(nameOrDir: string, options: StoreOptions = {}): string {
  const model = findModel(nameOrDir, options);
  if (model) {
    const stored = inStore(model, options);
    // A CLIPig user's `clip.load` cache (~/.cache/clip) holds the release files: used as they are.
    const cached = stored ? undefined : cachedCopy(model);
    if (cached) return cached;
    if (!stored) {
      throw new Error(
        `model '${model.name}' is not downloaded yet: run \`clipig models pull ${model.name}\` (or use tiny-clip offline)`,
      );
    }
    return installDir(model, options);
  }
  if (["config.json", "open_clip_config.json"].some((f) => existsSync(path.join(nameOrDir, f))))
    return path.resolve(nameOrDir);
  if (/\.(pt|bin)$/.test(nameOrDir) && existsSync(nameOrDir)) return path.resolve(nameOrDir);
  const names = (options.models ?? KNOWN_MODELS).map((m) => m.name).join(", ");
  throw new Error(
    `unknown model '${nameOrDir}': not a folder with config.json or open_clip_config.json, nor a .pt file, nor one of ${names}`,
  );
}

/** The disk would be left with less than the store keeps free: refused before any byte moves. */
export class NotEnoughSpace extends DownloadError {}

/** Bytes the store keeps free on its disk after a download (`CLIPIG_MODELS_MIN_FREE_MB`, default 1024). */
export function minFreeBytes(): number {
  const mb = Number(process.env.CLIPIG_MODELS_MIN_FREE_MB ?? 1024);
  return Number.isFinite(mb) && mb >= 0 ? mb * 1e6 : 1024e6;
}

/** Free bytes on the disk holding `dir` (or its nearest existing parent). */
export async function freeBytes(dir: string): Promise<number> {
  let at = path.resolve(dir);
  while (!existsSync(at) && path.dirname(at) !== at) at = path.dirname(at);
  const fs = await statfs(at);
  return fs.bavail * fs.bsize;
}

export interface PlannedFile extends HubFile {
  /** Bytes already on disk for it (a finished file in the partial folder, or its `.part`). */
  have: number;
}

/** What a pull will fetch, from the hub's answers to HEAD (sizes and sha256 where it gives them). */
export interface PullPlan {
  model: KnownModel;
  dir: string;
  files: PlannedFile[];
  /** The whole checkpoint; the model's approximate size when the hub gives no sizes. */
  totalBytes: number;
  /** What is still to come over the wire (a resumed pull counts what it has). */
  remainingBytes: number;
}

export interface PlanOptions extends StoreOptions {
  /** Accept any hub repository id, not only the known models (the CLI; admins on the server). */
  anyRepo?: boolean;
  signal?: AbortSignal;
}

/** The known model (or, with `anyRepo`, hub repository) `name`; throws saying what is known. */
export function pullable(name: string, options: PlanOptions = {}): KnownModel {
  const model =
    findModel(name, options) ?? (options.anyRepo && isRepoId(name) ? hubModel(name) : undefined);
  if (!model)
    throw new DownloadError(
      `unknown model '${name}'; known: ${(options.models ?? KNOWN_MODELS).map((m) => m.name).join(", ")}${options.anyRepo ? ", or any hub repository id (owner/name)" : ""}`,
    );
  return model;
}

export async function planPull(name: string, options: PlanOptions = {}): Promise<PullPlan> {
  const model = await withLayout(pullable(name, options), options);
  const dir = installDir(model, options);
  const partial = partialDir(model, options);
  const files: PlannedFile[] = [];
  for (const file of model.files ?? CLIP_FILES) {
    const remote =
      file.size !== undefined && file.sha256 !== undefined
        ? { size: file.size, sha256: file.sha256 }
        : await remoteFile(fileUrl(model, file.name, options), { signal: options.signal });
    // A hash we know (OpenAI's is in the URL path) beats whatever the server's headers say.
    remote.sha256 = file.sha256 ?? remote.sha256;
    const done = await sizeOf(path.join(partial, file.name));
    const part = await sizeOf(path.join(partial, `${file.name}.part`));
    files.push({
      name: file.name,
      size: remote.size,
      sha256: remote.sha256,
      have: done || (remote.size !== undefined && part > remote.size ? 0 : part),
    });
  }
  const sized = files.every((f) => f.size !== undefined);
  const totalBytes = sized ? files.reduce((sum, f) => sum + f.size!, 0) : model.approxBytes;
  const have = files.reduce((sum, f) => sum + f.have, 0);
  return { model, dir, files, totalBytes, remainingBytes: Math.max(0, totalBytes - have) };
}

/**
 * A hub repository outside the catalogue in transformers format, or else in open_clip's: without a
 * `config.json` but with an `open_clip_config.json` it is pulled as `OPEN_CLIP_FILES`.
 */
async function withLayout(model: KnownModel, options: PlanOptions): Promise<KnownModel> {
  const catalogued = (options.models ?? KNOWN_MODELS).includes(model);
  if (catalogued || model.bundled || model.files !== CLIP_FILES) return model;
  try {
    await remoteFile(fileUrl(model, "config.json", options), { signal: options.signal });
    return model;
  } catch (error) {
    const openClip = { ...model, files: OPEN_CLIP_FILES };
    try {
      await remoteFile(fileUrl(openClip, "open_clip_config.json", options), {
        signal: options.signal,
      });
    } catch {
      throw error; // neither layout: the transformers error says what was missing
    }
    return openClip;
  }
}

/** Throws `NotEnoughSpace` when the rest of the pull would leave less than `keepFree` on the disk. */
export async function checkSpace(
  plan: PullPlan,
  keepFree = minFreeBytes(),
): Promise<{ freeBytes: number }> {
  const free = await freeBytes(plan.dir);
  if (free - plan.remainingBytes < keepFree)
    throw new NotEnoughSpace(
      `not enough disk space for ${plan.model.name}: it needs ${megabytes(plan.remainingBytes)} more, ` +
        `${megabytes(free)} are free on the disk of ${path.dirname(plan.dir)} and ${megabytes(keepFree)} ` +
        `must stay free (CLIPIG_MODELS_MIN_FREE_MB)`,
    );
  return { freeBytes: free };
}

export interface PullProgress extends DownloadProgress {
  fileIndex: number;
  fileCount: number;
  /** Over the whole checkpoint (files done + this one). */
  totalReceived: number;
  totalBytes: number;
}

export interface PullOptions extends PlanOptions {
  onProgress?: (progress: PullProgress) => void;
  /** Told what will be fetched once the hub answered and the space check passed. */
  onPlan?: (plan: PullPlan) => void;
  retries?: number;
  stallMs?: number;
  /** Bytes to leave free on the disk (default `minFreeBytes()`). */
  keepFree?: number;
}

/**
 * Downloads a model into the store: asks the hub for every file's size and hash first, refuses
 * when the disk lacks the space, then fetches each file (verified by size and sha256). Files
 * finished by an interrupted pull are kept in the partial folder (and a half-done one continues
 * from its `.part`), so pulling again resumes.
 */
export async function pullModel(name: string, options: PullOptions = {}): Promise<string> {
  const known = pullable(name, options);
  if (known.bundled || inStore(known, options)) return installDir(known, options);
  const plan = await planPull(name, options);
  await checkSpace(plan, options.keepFree);
  options.onPlan?.(plan);
  const { model, dir, files } = plan;
  const partial = partialDir(model, options);
  await mkdir(partial, { recursive: true });
  const manifest: Record<string, { size: number; sha256: string }> = {};
  let before = 0;
  for (const [index, file] of files.entries()) {
    options.signal?.throwIfAborted();
    const dest = path.join(partial, file.name);
    let sha256 = existsSync(dest) ? await sha256File(dest) : undefined;
    if (sha256 && file.sha256 && sha256 !== file.sha256) {
      await rm(dest, { force: true }); // a finished file that no longer matches the hub's hash
      sha256 = undefined;
    }
    sha256 ??= await downloadFile(fileUrl(model, file.name, options), dest, {
      size: file.size,
      sha256: file.sha256,
      signal: options.signal,
      retries: options.retries,
      stallMs: options.stallMs,
      label: file.name,
      onProgress: (p) =>
        options.onProgress?.({
          ...p,
          fileIndex: index,
          fileCount: files.length,
          totalReceived: before + p.received,
          totalBytes: plan.totalBytes,
          etaSeconds:
            p.bytesPerSecond > 0
              ? Math.max(0, plan.totalBytes - before - p.received) / p.bytesPerSecond
              : undefined,
        }),
    });
    const size = (await stat(dest)).size;
    manifest[file.name] = { size, sha256 };
    before += size;
  }
  await writeFile(
    path.join(partial, MANIFEST),
    JSON.stringify({ name: model.name, source: hubUrl(options), files: manifest }, null, 2),
  );
  await rm(dir, { recursive: true, force: true });
  await rename(partial, dir);
  return dir;
}

/** Deletes an installed model and any partial download of it; returns the bytes freed. */
export async function removeModel(name: string, options: StoreOptions = {}): Promise<number> {
  const model = findModel(name, options) ?? (isRepoId(name) ? hubModel(name) : undefined);
  if (!model) throw new Error(`unknown model '${name}'`);
  if (model.bundled)
    throw new Error(`${model.name} ships with CLIPig Studio and cannot be removed`);
  let freed = 0;
  for (const dir of [installDir(model, options), partialDir(model, options)]) {
    if (!existsSync(dir)) continue;
    freed += await folderBytes(dir);
    await rm(dir, { recursive: true, force: true });
  }
  return freed;
}

export interface ListedModel {
  name: string;
  aliases: string[];
  description: string;
  status: "bundled" | "installed" | "not installed";
  dir: string;
  bytes: number;
  /** Bytes of an unfinished pull waiting to be resumed. */
  partialBytes: number;
}

/** Known models with their install state, plus any other checkpoint folders found in the store. */
export async function listModels(options: StoreOptions = {}): Promise<ListedModel[]> {
  const listed: ListedModel[] = [];
  for (const model of options.models ?? KNOWN_MODELS) {
    const stored = inStore(model, options);
    // A release file in CLIP's cache counts as installed, listed where it is.
    const cached = stored ? undefined : cachedCopy(model);
    const dir = cached ?? installDir(model, options);
    const installed = stored || cached !== undefined;
    listed.push({
      name: model.name,
      aliases: model.aliases,
      description: model.description,
      status: model.bundled ? "bundled" : installed ? "installed" : "not installed",
      dir,
      bytes: cached
        ? (await stat(cached)).size
        : installed
          ? await folderBytes(dir)
          : model.approxBytes,
      partialBytes: model.bundled || installed ? 0 : await folderBytes(partialDir(model, options)),
    });
  }
  const root = modelsDir(options);
  const entries = existsSync(root) ? await readdir(root, { withFileTypes: true }) : [];
  for (const entry of entries) {
    const dir = path.join(root, entry.name);
    if (!entry.isDirectory() || entry.name.startsWith(".") || listed.some((m) => m.dir === dir))
      continue;
    if (!existsSync(path.join(dir, "config.json"))) continue;
    const pulled = await manifestName(dir);
    listed.push({
      name: pulled ?? entry.name,
      aliases: [],
      description: pulled ? "hub repository" : "local folder",
      status: "installed",
      dir,
      bytes: await folderBytes(dir),
      partialBytes: 0,
    });
  }
  return listed;
}

/** The store's folder, the bytes its models (and partial pulls) take, and what its disk has free. */
export async function storeUsage(
  options: StoreOptions = {},
): Promise<{ dir: string; usedBytes: number; freeBytes: number }> {
  const dir = modelsDir(options);
  let used = 0;
  if (existsSync(dir))
    for (const entry of await readdir(dir, { withFileTypes: true }))
      if (entry.isDirectory()) used += await folderBytes(path.join(dir, entry.name));
  return { dir, usedBytes: used, freeBytes: await freeBytes(dir) };
}

/** The repository id a pulled folder's manifest names, if it has one. */
async function manifestName(dir: string): Promise<string | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readFile(path.join(dir, MANIFEST), "utf8"));
    const name = (parsed as { name?: unknown }).name;
    return typeof name === "string" && isRepoId(name) ? name : undefined;
  } catch {
    return undefined;
  }
}

function fileUrl(model: KnownModel, file: string, options: StoreOptions): string {
  const entry = (model.files ?? CLIP_FILES).find((f) => f.name === file);
  return entry?.url ?? `${hubUrl(options)}/${entry?.repo ?? model.name}/resolve/main/${file}`;
}

async function folderBytes(dir: string): Promise<number> {
  if (!existsSync(dir)) return 0;
  let total = 0;
  for (const name of await readdir(dir)) total += await sizeOf(path.join(dir, name));
  return total;
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(0)} MB`;
}
