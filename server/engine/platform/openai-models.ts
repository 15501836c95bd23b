/**
 * OpenAI's CLIP release files, as openai/CLIP's `clip.available_models()` names them (CLIPig's YAML
 * `model:` spelling): TorchScript archives on OpenAI's CDN, each URL carrying the file's sha256 (the
 * table is `_MODELS` of openai/CLIP's clip/clip.py). `clip.load` caches them in `~/.cache/clip`;
 * `CLIPIG_CLIP_CACHE` points elsewhere. The BPE tokenizer is not in these files: it comes from
 * openai/clip-vit-base-patch32 (every OpenAI CLIP shares it).
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";

const CDN = "https://openaipublic.azureedge.net/clip/models";

export interface OpenAIRelease {
  /** `clip.available_models()` name, e.g. `RN50`, `ViT-L/14@336px`. */
  name: string;
  url: string;
  sha256: string;
  /** The file name `clip.load` caches it under. */
  file: string;
  approxBytes: number;
  description: string;
}

const release = (name: string, sha256: string, approxBytes: number, description: string) => {
  const file = `${name.replaceAll("/", "-").replace("@", "-")}.pt`;
  return { name, sha256, file, url: `${CDN}/${sha256}/${file}`, approxBytes, description };
};

export const OPENAI_RELEASES: readonly OpenAIRelease[] = [
  release(
    "RN50",
    "afeb0e10f9e5a86da6080e35cf09123aca3b358a0c3e3b6c78a7b63bc04b6762",
    244e6,
    "OpenAI CLIP ResNet-50 (224 px)",
  ),
  release(
    "RN101",
    "8fa8567bab74a42d41c5915025a8e4538c3bdbe8804a470a72f30b0d94fab599",
    278e6,
    "OpenAI CLIP ResNet-101 (224 px)",
  ),
  release(
    "RN50x4",
    "7e526bd135e493cef0776de27d5f42653e6b4c8bf9e0f653bb11773263205fdd",
    402e6,
    "OpenAI CLIP ResNet-50×4 (288 px)",
  ),
  release(
    "RN50x16",
    "52378b407f34354e150460fe41077663dd5b39c54cd0bfd2b27167a4a06ec9aa",
    630e6,
    "OpenAI CLIP ResNet-50×16 (384 px)",
  ),
  release(
    "RN50x64",
    "be1cfb55d75a9666199fb2206c106743da0f6468c9d327f3e0d0a543a9919d9c",
    1.26e9,
    "OpenAI CLIP ResNet-50×64 (448 px, needs a GPU)",
  ),
  release(
    "ViT-B/32",
    "40d365715913c9da98579312b702a82c18be219cc2a73407c4526f58eba950af",
    354e6,
    "OpenAI CLIP ViT-B/32 release file",
  ),
  release(
    "ViT-B/16",
    "5806e77cd80f8b59890b7e101eabd078d9fb84e6937f9e85e4ecb61988df416f",
    351e6,
    "OpenAI CLIP ViT-B/16 release file",
  ),
  release(
    "ViT-L/14",
    "b8cca3fd41ae0c99ba7e8951adf17d267cdb84cd88be6f7c2e0eca1737a03836",
    933e6,
    "OpenAI CLIP ViT-L/14 release file",
  ),
  release(
    "ViT-L/14@336px",
    "3035c92b350959924f9f00213499208652fc7ea050643e8b385c2dac08641f02",
    934e6,
    "OpenAI CLIP ViT-L/14 at 336 px",
  ),
];

/** The repository whose tokenizer files the release files use. */
export const TOKENIZER_REPO = "openai/clip-vit-base-patch32";

export function findRelease(name: string): OpenAIRelease | undefined {
  const lower = name.toLowerCase();
  return OPENAI_RELEASES.find((r) => r.name.toLowerCase() === lower);
}

/** Where `clip.load` caches release files: `CLIPIG_CLIP_CACHE`, default `~/.cache/clip`. */
export function clipCacheDir(): string {
  return path.resolve(process.env.CLIPIG_CLIP_CACHE ?? path.join(homedir(), ".cache", "clip"));
}

/** The release file in CLIP's own cache, when a CLIPig user already has it there. */
export function cachedRelease(name: string): string | undefined {
  const r = findRelease(name);
  const file = r && path.join(clipCacheDir(), r.file);
  return file && existsSync(file) ? file : undefined;
}
