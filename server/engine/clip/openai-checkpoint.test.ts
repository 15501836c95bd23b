// OpenAI's release format (TorchScript zip, read by our own zip reader and safe unpickler) and open_clip's
// (OpenAI names in safetensors) against reference outputs of openai/CLIP's own model.py on the same tiny
// random weights (scripts/fixtures/openai-clip.py): features, the pixel gradient of a cosine loss, and a
// finite-difference check through the ResNet tower.
import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Graph, Runtime, grad } from "../graph";
import { random } from "../graph/check";
import type { GradOptions } from "../graph/grad/backprop";
import { RULES } from "../graph/grad/rules";
import { TINY_CLIP_DIR } from "../platform/model-store";
import { cosine, ClipModel } from "./model";
import { stateDictFromSafeTensors } from "./openai-checkpoint";
import { unpickle } from "./pickle";
import { randomResNetStateDict } from "./random-resnet";
import { readTorchCheckpoint } from "./torch-checkpoint";

const FIXTURES = path.join(__dirname, "fixtures");

interface Reference {
  image_size: number;
  tokens: number[][];
  image_features: number[];
  text_features: number[][];
  loss: number;
  pixel_grad: number[];
}

const reference = (name: string) =>
  JSON.parse(readFileSync(path.join(FIXTURES, `${name}.reference.json`), "utf8")) as Reference;
const tokenizer = {
  vocab: readFileSync(path.join(TINY_CLIP_DIR, "vocab.json"), "utf8"),
  merges: readFileSync(path.join(TINY_CLIP_DIR, "merges.txt"), "utf8"),
};

/** The script's test image: 0.5 + 0.45·sin(0.37x + 0.23y + 1.1c)·cos(0.11x(c+1) − 0.19y), `[3, S, S]`. */
function pixels(size: number): Float32Array {
  const out = new Float32Array(3 * size * size);
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++)
        out[(c * size + y) * size + x] =
          0.5 +
          0.45 * Math.sin(0.37 * x + 0.23 * y + 1.1 * c) * Math.cos(0.11 * x * (c + 1) - 0.19 * y);
  return out;
}

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

let runtime: Runtime;
beforeAll(async () => {
  runtime = await Runtime.create({ device: "cpu", threads: 1 });
});

function load(name: string, file: string): ClipModel {
  const bytes = new Uint8Array(readFileSync(path.join(FIXTURES, file)));
  const sd = file.endsWith(".pt")
    ? readTorchCheckpoint(bytes, file)
    : stateDictFromSafeTensors(bytes);
  return ClipModel.fromStateDict(name, sd, tokenizer, runtime);
}

const cases = [
  ["tiny-rn", "tiny-rn.pt"],
  ["tiny-rn", "tiny-rn.open_clip.safetensors"],
  ["tiny-vit", "tiny-vit.pt"],
] as const;

describe.each(cases)("%s from %s against openai/CLIP", (name, file) => {
  const ref = reference(name);
  let model: ClipModel;
  beforeAll(() => {
    model = load(name, file);
  });

  it("infers the architecture (input size from the checkpoint)", () => {
    expect(model.imageSize).toBe(ref.image_size);
    expect(model.embeddingSize).toBe(ref.image_features.length);
    expect(model.config.resnet !== undefined).toBe(name === "tiny-rn");
  });

  it("encodes the reference image and token rows (cosine ≥ 0.999)", async () => {
    const [image] = await model.encodeImages([pixels(ref.image_size)]);
    const rows = ref.tokens.map((r) => [
      ...r,
      ...new Array<number>(model.config.text.contextLength - r.length).fill(0),
    ]);
    const texts = await model.encodeTokens(rows);
    const errors = [
      maxAbs(image!, ref.image_features),
      ...texts.map((t, i) => maxAbs(t, ref.text_features[i]!)),
    ];
    console.log(
      `${file}: image cosine ${cosine(image!, Float32Array.from(ref.image_features)).toFixed(7)}, ` +
        `text cosines ${texts.map((t, i) => cosine(t, Float32Array.from(ref.text_features[i]!)).toFixed(7)).join(" ")}, ` +
        `max abs error ${Math.max(...errors).toExponential(2)}`,
    );
    expect(cosine(image!, Float32Array.from(ref.image_features))).toBeGreaterThan(0.999);
    texts.forEach((t, i) =>
      expect(cosine(t, Float32Array.from(ref.text_features[i]!))).toBeGreaterThan(0.999),
    );
  });

  it("back-propagates a cosine loss to the pixels as PyTorch does", async () => {
    const size = ref.image_size;
    const g = new Graph();
    const x = g.input("pixels", [1, 3, size, size]);
    const e = model.imageTower(g, x);
    const t = g.constant(Float32Array.from(ref.text_features[0]!), [1, e.shape[1]!]);
    const loss = g.ReduceSum(
      g.Div(
        g.ReduceSum(g.Mul(e, t), [1], false),
        g.Mul(g.ReduceL2(e, [1], false), g.ReduceL2(t, [1], false)),
      ),
      undefined,
      false,
    );
    g.output(loss, "loss");
    g.output(grad(g, loss, [x])[0]!, "grad");
    const out = await (await runtime.load(g)).run({ pixels: pixels(size) });
    const got = out.grad!.data as Float32Array;
    const c = cosine(got, Float32Array.from(ref.pixel_grad));
    const scale = Math.max(...ref.pixel_grad.map(Math.abs));
    console.log(
      `${file}: loss ${(out.loss!.data as Float32Array)[0]} vs ${ref.loss}, gradient cosine ${c.toFixed(7)}, max abs error ${maxAbs(got, ref.pixel_grad).toExponential(2)} (largest |grad| ${scale.toExponential(2)})`,
    );
    expect(Math.abs((out.loss!.data as Float32Array)[0]! - ref.loss)).toBeLessThan(1e-3);
    expect(c).toBeGreaterThan(0.999);
  });
});

/**
 * Directional central differences through the whole ResNet tower: ONNX Runtime has no float64 Conv, and
 * in float32 one pixel's finite difference drowns in rounding, so the loss (random weights on the
 * embedding) is differentiated along random directions over all pixels: (L(x+εv) − L(x−εv)) / 2ε
 * against ∇L·v. Returns |numeric − analytic| / |analytic| over the directions.
 */
async function directionalCheck(model: ClipModel, rules?: GradOptions["rules"]): Promise<number> {
  const size = model.imageSize;
  const rnd = random(11);
  const g = new Graph({ name: "resnet fd" });
  const x = g.input("pixels", [1, 3, size, size]);
  const e = model.imageTower(g, x);
  const w = g.constant(
    Float32Array.from({ length: e.size }, () => 2 * rnd() - 1),
    e.shape,
  );
  const loss = g.ReduceSum(g.Mul(e, w), undefined, false);
  g.output(loss, "loss");
  g.output(grad(g, loss, [x], { rules })[0]!, "grad");
  const session = await runtime.load(g, { reuseOutputs: false });
  const at = Float32Array.from({ length: 3 * size * size }, () => 0.1 + 0.8 * rnd());
  const gradient = (await session.run({ pixels: at })).grad!.data as Float32Array;
  const lossAt = async (p: Float32Array) =>
    ((await session.run({ pixels: p })).loss!.data as Float32Array)[0]!;
  // Small enough that few ReLUs flip, large enough that float32 rounding of the loss stays ~1%.
  const eps = 3e-4;
  let [diff, norm] = [0, 0];
  for (let d = 0; d < 6; d++) {
    const v = Float32Array.from(at, () => 2 * rnd() - 1);
    const plus = await lossAt(at.map((p, i) => p + eps * v[i]!));
    const minus = await lossAt(at.map((p, i) => p - eps * v[i]!));
    const numeric = (plus - minus) / (2 * eps);
    const analytic = gradient.reduce((sum, gi, i) => sum + gi * v[i]!, 0);
    diff += (numeric - analytic) ** 2;
    norm += analytic ** 2;
  }
  return Math.sqrt(diff / norm);
}

describe("ResNet tower gradient", () => {
  it("matches central finite differences along random directions", async () => {
    const model = ClipModel.fromStateDict(
      "random tiny ResNet",
      randomResNetStateDict({
        layers: [1, 2, 1, 1],
        width: 8,
        imageSize: 64,
        embedDim: 16,
        seed: 5,
      }),
      tokenizer,
      runtime,
    );
    const error = await directionalCheck(model);
    console.log(
      `random ResNet tower: directional finite differences, relative error ${error.toExponential(2)}`,
    );
    expect(error).toBeLessThan(5e-2);
    // The check notices a wrong rule: ReLU passing every gradient through.
    const broken = await directionalCheck(model, { ...RULES, Relu: ({ dy }) => [dy] });
    console.log(`with a broken ReLU rule: ${broken.toExponential(2)}`);
    expect(broken).toBeGreaterThan(0.3);
  });
});

describe("torch.save state dicts", () => {
  it("reads strided views, fp16, bf16, fp64 and scalars, skipping integer tensors", () => {
    const sd = readTorchCheckpoint(
      new Uint8Array(readFileSync(path.join(FIXTURES, "state-dict.pt"))),
      "state-dict.pt",
    );
    const expected = JSON.parse(
      readFileSync(path.join(FIXTURES, "state-dict.json"), "utf8"),
    ) as Record<string, { shape: number[]; data: number[] }>;
    expect([...sd.keys()].sort()).toEqual(Object.keys(expected).sort());
    for (const [name, t] of Object.entries(expected)) {
      expect(sd.get(name)!.shape, name).toEqual(t.shape);
      expect(maxAbs(sd.get(name)!.data, t.data), name).toBeLessThan(1e-6);
    }
  });
});

describe("the safe unpickler", () => {
  it("refuses any global outside its list, naming it", () => {
    // protocol 2: GLOBAL 'os system', then STOP
    const bytes = Uint8Array.from("\x80\x02cos\nsystem\n.", (ch) => ch.charCodeAt(0));
    expect(() => unpickle(bytes, "evil.pkl")).toThrow(
      /evil\.pkl: global 'os\.system' is not allowed/,
    );
  });

  it("rejects a checkpoint that is not a zip", () => {
    expect(() => readTorchCheckpoint(new Uint8Array(100), "x.pt")).toThrow(
      /x\.pt: not a zip archive/,
    );
  });
});
