// Loading every checkpoint format by CLIPig's names: OpenAI release files from CLIP's own cache
// (`~/.cache/clip`, here CLIPIG_CLIP_CACHE), open_clip folders, errors for what cannot load, and a tiny
// ResNet CLIP through the trainer end to end (tiny random fixtures from scripts/fixtures/openai-clip.py).
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ok as config } from "../../../lib/experiment/testing";
import { Runtime } from "../graph";
import { cosine } from "../clip/model";
import { randomResNetStateDict } from "../clip/random-resnet";
import { writeSafeTensors } from "../clip/safetensors";
import { createTrainer, type EpochStats, type TrainerEvent } from "../trainer";
import { loadClip } from "./load-clip";
import { startTestHub } from "../clip/testing";
import {
  TINY_CLIP_DIR,
  findModel,
  isInstalled,
  listModels,
  pullModel,
  removeModel,
} from "./model-store";
import { TOKENIZER_REPO } from "./openai-models";

const FIXTURES = path.join(__dirname, "..", "clip", "fixtures");
const reference = JSON.parse(
  readFileSync(path.join(FIXTURES, "tiny-rn.reference.json"), "utf8"),
) as {
  tokens: number[][];
  text_features: number[][];
};

let root: string;
let runtime: Runtime;
const saved = process.env.CLIPIG_CLIP_CACHE;

/** A folder holding `files` copied from the fixtures (by target name) plus tiny-clip's tokenizer. */
function folder(name: string, files: Record<string, string>, tokenizer = true): string {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [to, from] of Object.entries(files))
    copyFileSync(path.join(FIXTURES, from), path.join(dir, to));
  if (tokenizer)
    for (const f of ["vocab.json", "merges.txt"])
      copyFileSync(path.join(TINY_CLIP_DIR, f), path.join(dir, f));
  return dir;
}

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), "clipig-load-"));
  runtime = await Runtime.create({ device: "cpu", threads: 1 });
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  if (saved === undefined) delete process.env.CLIPIG_CLIP_CACHE;
  else process.env.CLIPIG_CLIP_CACHE = saved;
});

async function textCosine(model: Awaited<ReturnType<typeof loadClip>>): Promise<number> {
  const row = [
    ...reference.tokens[0]!,
    ...new Array<number>(32 - reference.tokens[0]!.length).fill(0),
  ];
  const [t] = await model.encodeTokens([row]);
  return cosine(t!, Float32Array.from(reference.text_features[0]!));
}

describe("loadClip", () => {
  it("finds `RN50` in CLIP's cache (a CLIPig user's ~/.cache/clip), tokenizer from openai/clip-vit-base-patch32", async () => {
    process.env.CLIPIG_CLIP_CACHE = folder("clip-cache", { "RN50.pt": "tiny-rn.pt" }, false);
    const store = path.join(root, "store");
    // the store's ViT-B/32 (only its tokenizer is read)
    mkdirSync(path.join(store, "openai--clip-vit-base-patch32"), { recursive: true });
    for (const f of ["config.json", "vocab.json", "merges.txt", "model.safetensors"])
      copyFileSync(
        path.join(TINY_CLIP_DIR, f),
        path.join(store, "openai--clip-vit-base-patch32", f),
      );
    const model = await loadClip("RN50", { modelsDir: store, runtime });
    // installed as far as the studio's start and the listing go, listed where it is; never removed from there
    const cached = path.join(process.env.CLIPIG_CLIP_CACHE, "RN50.pt");
    expect(isInstalled(findModel("RN50")!, { modelsDir: store })).toBe(true);
    expect((await listModels({ modelsDir: store })).find((m) => m.name === "RN50")).toMatchObject({
      status: "installed",
      dir: cached,
    });
    await removeModel("RN50", { modelsDir: store });
    expect(existsSync(cached)).toBe(true);
    expect(model.config.resnet).toBeDefined();
    expect(model.imageSize).toBe(64);
    expect(await textCosine(model)).toBeGreaterThan(0.999);
  });

  it("says how to get the tokenizer when a release file has none beside it and no ViT-B/32 is installed", async () => {
    process.env.CLIPIG_CLIP_CACHE = folder("clip-cache-2", { "RN101.pt": "tiny-rn.pt" }, false);
    await expect(
      loadClip("RN101", { modelsDir: path.join(root, "empty-store"), runtime }),
    ).rejects.toThrow(/no tokenizer .*clipig models pull openai\/clip-vit-base-patch32/);
  });

  it("loads an open_clip folder (open_clip_config.json + open_clip_model.safetensors)", async () => {
    const dir = folder("open-clip", {
      "open_clip_config.json": "tiny-rn.open_clip_config.json",
      "open_clip_model.safetensors": "tiny-rn.open_clip.safetensors",
    });
    const model = await loadClip(dir, { runtime });
    expect(model.config.vision.act).toBe("quick_gelu");
    expect(await textCosine(model)).toBeGreaterThan(0.999);
  });

  it("pulls and loads an open_clip hub repository (no config.json: open_clip_config.json + its weights)", async () => {
    const repo = "timm/tiny-rn.openai";
    const hub = await startTestHub(
      [TOKENIZER_REPO],
      {},
      {
        [repo]: {
          "open_clip_config.json": readFileSync(
            path.join(FIXTURES, "tiny-rn.open_clip_config.json"),
          ),
          "open_clip_model.safetensors": readFileSync(
            path.join(FIXTURES, "tiny-rn.open_clip.safetensors"),
          ),
        },
      },
    );
    try {
      const store = { modelsDir: path.join(root, "hub-store"), hubUrl: hub.url };
      await pullModel(repo, { ...store, anyRepo: true });
      const model = await loadClip(repo, { ...store, runtime });
      expect(model.config.resnet).toBeDefined();
      expect(await textCosine(model)).toBeGreaterThan(0.999);
    } finally {
      await hub.close();
    }
  });

  it("refuses an unknown name instead of falling back to another model", async () => {
    await expect(
      loadClip("RN51", { modelsDir: path.join(root, "empty-store"), runtime }),
    ).rejects.toThrow(/unknown model 'RN51'/);
    // a known release that is neither installed nor cached
    process.env.CLIPIG_CLIP_CACHE = path.join(root, "nowhere");
    await expect(
      loadClip("RN50x4", { modelsDir: path.join(root, "empty-store"), runtime }),
    ).rejects.toThrow(/not downloaded yet.*clipig models pull RN50x4/);
  });
});

describe("a ResNet CLIP in the trainer", () => {
  it("renders a few epochs at the model's own input size", async () => {
    // an open_clip folder with a random ResNet that has CLIP's whole vocabulary, for real prompts
    const dir = folder("rn-open-clip", {});
    const sd = randomResNetStateDict({
      layers: [1, 1, 1, 1],
      width: 8,
      imageSize: 64,
      embedDim: 32,
      vocab: 49408,
    });
    writeFileSync(
      path.join(dir, "open_clip_model.safetensors"),
      writeSafeTensors(Object.fromEntries(sd)),
    );
    writeFileSync(
      path.join(dir, "open_clip_config.json"),
      JSON.stringify({ model_cfg: { quick_gelu: true } }),
    );
    const trainer = await createTrainer({
      config: config(`
epochs: 4
resolution: 48
verbose: 0
snapshot_interval: 0
learnrate: 0.05
targets:
  - features:
      - text: a
`),
      model: dir,
      device: "cpu",
      seed: 1,
      statsIntervalMs: 0,
      frameIntervalMs: 0,
    });
    const stats: EpochStats[] = [];
    const errors: string[] = [];
    trainer.on((e: TrainerEvent) => {
      if (e.type === "stats") stats.push(e.stats);
      if (e.type === "error") errors.push(e.message);
    });
    await trainer.run();
    expect(errors).toEqual([]);
    await trainer.dispose();
    expect(stats).toHaveLength(4);
    for (const s of stats) expect(Number.isFinite(s.loss)).toBe(true);
    // the image changes, so the tower's gradient reaches the pixels
    expect(new Set(stats.map((s) => s.loss)).size).toBeGreaterThan(1);
  });
});
