// OpenAI's release files in the store: the catalogue's URLs carry the sha256 the download checks, and a
// pull fetches the file from its absolute URL (OpenAI's CDN, here a loopback server that sends no hash)
// and the tokenizer from another hub repository.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestHub, type TestHub } from "../clip/testing";
import { KNOWN_MODELS, TINY_CLIP_DIR, pullModel, type KnownModel } from "./model-store";
import { OPENAI_RELEASES, TOKENIZER_REPO } from "./openai-models";

let hub: TestHub;
let root: string;
beforeAll(async () => {
  hub = await startTestHub([TOKENIZER_REPO, "openai/cdn"]);
  root = mkdtempSync(path.join(tmpdir(), "clipig-openai-"));
});
afterAll(async () => {
  await hub.close();
  rmSync(root, { recursive: true, force: true });
});

const weights = readFileSync(path.join(TINY_CLIP_DIR, "model.safetensors"));
const sha = createHash("sha256").update(weights).digest("hex");
const release = (sha256: string): KnownModel[] => [
  {
    name: "RN50",
    aliases: [],
    description: "",
    approxBytes: 0,
    files: [
      { name: "RN50.pt", url: `${hub.url}/cdn/openai--cdn/model.safetensors`, sha256 },
      { name: "vocab.json", repo: TOKENIZER_REPO },
      { name: "merges.txt", repo: TOKENIZER_REPO },
    ],
  },
];

describe("OpenAI release files", () => {
  it("every clip.available_models() name is known, its URL's path holding its sha256", () => {
    expect(OPENAI_RELEASES.map((r) => r.name)).toEqual(
      expect.arrayContaining([
        "RN50",
        "RN101",
        "RN50x4",
        "RN50x16",
        "RN50x64",
        "ViT-B/32",
        "ViT-L/14@336px",
      ]),
    );
    for (const r of OPENAI_RELEASES) expect(r.url.endsWith(`/${r.sha256}/${r.file}`)).toBe(true);
    for (const name of ["RN50", "RN50x64", "ViT-L/14@336px"])
      expect(KNOWN_MODELS.find((m) => m.name === name)?.files?.[0]?.url).toMatch(
        /^https:\/\/openaipublic/,
      );
  });

  it("pulls from the absolute URL, checked against the catalogue's sha256, tokenizer from its repository", async () => {
    const dir = await pullModel("RN50", { modelsDir: root, hubUrl: hub.url, models: release(sha) });
    expect(readFileSync(path.join(dir, "RN50.pt")).equals(weights)).toBe(true);
    expect(readFileSync(path.join(dir, "vocab.json")).equals(hub.files["vocab.json"]!)).toBe(true);
  });

  it("rejects a file whose sha256 is not the catalogue's, though the server sends none", async () => {
    await expect(
      pullModel("RN50", {
        modelsDir: path.join(root, "other"),
        hubUrl: hub.url,
        models: release("0".repeat(64)),
        retries: 0,
      }),
    ).rejects.toThrow(/sha256|hash/i);
  });
});
