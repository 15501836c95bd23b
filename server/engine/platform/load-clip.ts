/** Node-only: `loadClip(nameOrDir)` reads a checkpoint from the model store or a folder. */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { Runtime, type RuntimeOptions } from "../graph";
import { ClipModel, type ModelFiles } from "../clip/model";
import { resolveModelDir, type StoreOptions } from "./model-store";

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

/** Loads a known model name/alias (e.g. `ViT-B/32`, `tiny-clip`) or a checkpoint folder. */
export async function loadClip(
  nameOrDir: string,
  options: LoadClipOptions = {},
): Promise<ClipModel> {
  const dir = resolveModelDir(nameOrDir, options);
  const runtime = options.runtime ?? (await Runtime.create(options.runtimeOptions));
  return ClipModel.fromFiles(nameOrDir, folderFiles(dir), runtime);
}
