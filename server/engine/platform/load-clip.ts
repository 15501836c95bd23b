/**
 * Node-only: `loadClip(nameOrDir)` reads a checkpoint from the model store, CLIP's cache or a path, in
 * any of the formats CLIPig's models come in: a transformers folder (`config.json`,
 * `model.safetensors`), an open_clip folder (`open_clip_config.json` with `open_clip_model.safetensors`
 * or `open_clip_pytorch_model.bin`), or an OpenAI release file (`RN50.pt`, … — a file, or a store
 * folder holding one).
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { Runtime, type RuntimeOptions } from "../graph";
import { ClipModel, type ModelFiles } from "../clip/model";
import { stateDictFromSafeTensors, type OpenClipOverrides } from "../clip/openai-checkpoint";
import type { F32Tensor } from "../clip/safetensors";
import { readTorchCheckpoint } from "../clip/torch-checkpoint";
import {
  findModel,
  installDir,
  isInstalled,
  resolveModelDir,
  type StoreOptions,
} from "./model-store";
import { TOKENIZER_REPO } from "./openai-models";

export interface LoadClipOptions extends StoreOptions {
  /** Shared runtime; otherwise one is created from `runtimeOptions`. */
  runtime?: Runtime;
  runtimeOptions?: RuntimeOptions;
}

export function folderFiles(dir: string): ModelFiles {
  return {
    text: (name) => readFile(path.join(dir, name), "utf8"),
    bytes: async (name) => new Uint8Array(await readFile(path.join(dir, name))),
  };
}

/** Loads a known model name/alias (e.g. `ViT-B/32`, `RN50`, `tiny-clip`), a checkpoint folder or `.pt` file. */
export async function loadClip(
  nameOrDir: string,
  options: LoadClipOptions = {},
): Promise<ClipModel> {
  const location = resolveModelDir(nameOrDir, options);
  const runtime = options.runtime ?? (await Runtime.create(options.runtimeOptions));
  return loadCheckpoint(nameOrDir, location, runtime, options);
}

/** Reads the checkpoint at `location` (a folder or a release file), whichever format it is in. */
export async function loadCheckpoint(
  name: string,
  location: string,
  runtime: Runtime,
  options: StoreOptions = {},
): Promise<ClipModel> {
  const isDir = statSync(location).isDirectory();
  const dir = isDir ? location : path.dirname(location);
  if (isDir && existsSync(path.join(dir, "config.json")))
    return ClipModel.fromFiles(name, folderFiles(dir), runtime);
  if (isDir && existsSync(path.join(dir, "open_clip_config.json"))) {
    const config = JSON.parse(
      await readFile(path.join(dir, "open_clip_config.json"), "utf8"),
    ) as unknown;
    const weights = ["open_clip_model.safetensors", "open_clip_pytorch_model.bin"].find((f) =>
      existsSync(path.join(dir, f)),
    );
    if (!weights)
      throw new Error(
        `${dir}: open_clip_config.json without open_clip_model.safetensors or open_clip_pytorch_model.bin`,
      );
    const file = path.join(dir, weights);
    return ClipModel.fromStateDict(
      name,
      await readStateDict(file),
      await tokenizerFiles(dir, options),
      runtime,
      openClipOverrides(config, file),
    );
  }
  const file = isDir ? releaseIn(dir) : location;
  return ClipModel.fromStateDict(
    name,
    await readStateDict(file),
    await tokenizerFiles(dir, options),
    runtime,
  );
}

async function readStateDict(file: string): Promise<Map<string, F32Tensor>> {
  const bytes = new Uint8Array(await readFile(file));
  return file.endsWith(".safetensors")
    ? stateDictFromSafeTensors(bytes)
    : readTorchCheckpoint(bytes, file);
}

function releaseIn(dir: string): string {
  const pt = readdirSync(dir).find((f) => f.endsWith(".pt"));
  if (!pt) throw new Error(`${dir}: no config.json, open_clip_config.json or .pt checkpoint`);
  return path.join(dir, pt);
}

/**
 * CLIP's BPE files for a checkpoint that carries none: beside it, else those of the installed
 * openai/clip-vit-base-patch32 (OpenAI's and open_clip's CLIPs share one tokenizer).
 */
async function tokenizerFiles(
  dir: string,
  options: StoreOptions,
): Promise<{ vocab: string; merges: string }> {
  const candidates = [dir];
  const repo = findModel(TOKENIZER_REPO, options);
  if (repo && isInstalled(repo, options)) candidates.push(installDir(repo, options));
  const found = candidates.find(
    (d) => existsSync(path.join(d, "vocab.json")) && existsSync(path.join(d, "merges.txt")),
  );
  if (!found)
    throw new Error(
      `${dir}: the checkpoint has no tokenizer (vocab.json, merges.txt): run \`clipig models pull ${TOKENIZER_REPO}\` once, or put them beside it`,
    );
  const [vocab, merges] = await Promise.all([
    readFile(path.join(found, "vocab.json"), "utf8"),
    readFile(path.join(found, "merges.txt"), "utf8"),
  ]);
  return { vocab, merges };
}

/** What open_clip's `model_cfg` says beyond the tensors: activation and head sizes. */
function openClipOverrides(config: unknown, file: string): OpenClipOverrides {
  const cfg = (config as { model_cfg?: Record<string, unknown> })?.model_cfg;
  if (typeof cfg !== "object" || cfg === null)
    throw new Error(`${file}: open_clip_config.json has no model_cfg`);
  const text = (cfg.text_cfg ?? {}) as Record<string, unknown>;
  const vision = (cfg.vision_cfg ?? {}) as Record<string, unknown>;
  const num = (v: unknown) => (typeof v === "number" ? v : undefined);
  return {
    // open_clip's default is nn.GELU; its OpenAI-trained models set quick_gelu.
    act: cfg.quick_gelu === true ? "quick_gelu" : "gelu",
    textHeads: num(text.heads),
    visionHeadWidth: num(vision.head_width),
  };
}
