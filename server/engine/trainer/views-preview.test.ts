// renderViews on the real runtime: a transform's exact output on a tiny image, a given picture in
// place of the init, determinism per seed, and the grid PNG's layout.
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { parseExperiments, type ExperimentConfig } from "../../../lib/experiment";
import { Runtime } from "../graph";
import { viewsGridPng } from "../platform/image-io";
import { renderViews, viewsGridSize } from "./views-preview";

const runtime = Runtime.create({ device: "cpu", threads: 1 });
afterAll(async () => (await runtime).release());

function config(text: string): ExperimentConfig {
  const parsed = parseExperiments([{ text }]);
  if (!parsed.config) throw new Error(JSON.stringify(parsed.diagnostics));
  return parsed.config;
}

// 3×2 (w×h): red = (3y + x)/10, green 0, blue = x/2.
const red = [
  [0, 0.1, 0.2],
  [0.3, 0.4, 0.5],
];
const green = red.map((row) => row.map(() => 0));
const blue = red.map((row) => row.map((_, x) => x / 2));
const tiny = (transforms: string, batch = 1) => `
resolution: 3 2
init:
  image_tensor: ${JSON.stringify([red, green, blue])}
targets:
  - batch_size: ${batch}
    features:
      - text: a
    transforms:
${transforms}
`;

const planes = (data: Float64Array, view: number, w: number, h: number) =>
  Array.from({ length: 3 }, (_, c) =>
    Array.from({ length: h }, (_, y) =>
      Array.from(data.subarray(((view * 3 + c) * h + y) * w, ((view * 3 + c) * h + y + 1) * w)),
    ),
  );

describe("renderViews", () => {
  it("raw: one shift is exactly a roll of the init tensor", async () => {
    const v = await renderViews(
      config(tiny("      - shift: 1 1")),
      0,
      { at: 0, seed: 0, size: null },
      { runtime: await runtime },
    );
    expect([v.batch, v.height, v.width]).toEqual([1, 2, 3]);
    const roll = (ch: number[][]) =>
      ch.map((row, y) => row.map((_, x) => ch[(y + 1) % 2][(x + 2) % 3]));
    expect(planes(v.data, 0, 3, 2)).toEqual([roll(red), roll(green), roll(blue)]);
  });

  it("fast: float32 with hash noise; the same moves as exact, fresh noise per seed", async () => {
    const render = async (transforms: string, seed: number, precision: "exact" | "fast") =>
      renderViews(
        config(tiny(transforms, 4)),
        0,
        { at: 0, seed, size: null, precision },
        { runtime: await runtime },
      );
    const moves = "      - shift: 1 1\n      - repeat: 2";
    const [exact, fast] = await Promise.all([render(moves, 1, "exact"), render(moves, 1, "fast")]);
    expect(fast.data.length).toBe(exact.data.length);
    fast.data.forEach((v, i) => expect(v).toBeCloseTo(exact.data[i], 6));
    const noisy = "      - noise: 0.5\n      - repeat: 2";
    const [a, again, other] = await Promise.all([
      render(noisy, 3, "fast"),
      render(noisy, 3, "fast"),
      render(noisy, 4, "fast"),
    ]);
    expect(again.data).toEqual(a.data);
    expect(other.data).not.toEqual(a.data);
  });

  it("looks at given pixels instead of the init, resized to the training resolution", async () => {
    const pixels = { channels: 3, width: 6, height: 4, data: new Float32Array(72) };
    pixels.data.fill(0.25, 0, 24).fill(0.5, 24, 48).fill(0.75, 48);
    const v = await renderViews(
      config(tiny("      - shift: 1 1")),
      0,
      { at: 1, seed: 0, size: 5 },
      { runtime: await runtime, pixels },
    );
    expect([v.batch, v.height, v.width]).toEqual([1, 5, 5]);
    expect(
      planes(v.data, 0, 5, 5).map((c) =>
        c.flat().every((x, _, all) => Math.abs(x - all[0]) < 1e-9),
      ),
    ).toEqual([true, true, true]);
    expect(v.data[0]).toBeCloseTo(0.25, 9);
    expect(v.data[50]).toBeCloseTo(0.75, 9);
  });

  it("a random target gives its batch, the same for the same seed", async () => {
    const c = config(tiny("      - noise: 0.1", 4));
    const rt = await runtime;
    const render = (seed: number) => renderViews(c, 0, { at: 0.5, seed, size: 4 }, { runtime: rt });
    const [a, b, other] = [await render(7), await render(7), await render(8)];
    expect([a.batch, a.height, a.width]).toEqual([4, 4, 4]);
    expect(a.data).toEqual(b.data);
    expect(other.data).not.toEqual(a.data);
  });

  it("needs an image source for init.image", async () => {
    const c = config(
      "resolution: 8\ninit:\n  image: upload:abc\ntargets:\n  - features:\n      - text: a\n",
    );
    await expect(
      renderViews(c, 0, { at: 0, seed: 0, size: null }, { runtime: await runtime }),
    ).rejects.toThrow("no image source");
  });
});

describe("viewsGridPng", () => {
  it("lays views out in a near-square grid with 2-pixel gaps", async () => {
    const v = { batch: 5, width: 4, height: 3, data: new Float64Array(5 * 3 * 12).fill(1) };
    expect(viewsGridSize(v)).toEqual({ width: 3 * 4 + 4 * 2, height: 2 * 3 + 3 * 2 });
    const { data, info } = await sharp(await viewsGridPng(v))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([20, 12, 3]);
    const px = (x: number, y: number) => data[(y * info.width + x) * 3];
    expect(px(2, 2)).toBe(255); // first view
    expect(px(0, 0)).toBe(32); // gap
    expect(px(2 + 2 * 6, 7)).toBe(32); // the sixth cell is empty
  });
});

describe("renderViews with the server's limits", () => {
  const limits = { maxResolution: 64, maxBatchSize: 4, maxViewsPerEpoch: 16 };
  // Small at every epoch but one: the sampled admission can miss it, a render may pick it.
  const spike = (extra: string) => `
epochs: 200
resolution: 16
targets:
  - features:
      - text: a
    transforms:
      - resize: 16+7984*(epoch==151)
${extra}`;

  it("refuses a view past the limit at the chosen training time, naming parameter and epoch", async () => {
    const c = config(spike(""));
    const at = 151 / 199;
    await expect(
      renderViews(c, 0, { at, seed: 0, size: null }, { runtime: await runtime, limits }),
    ).rejects.toThrow(
      /targets\[0\]\.transforms\[0\]\.resize at epoch 151 makes a 8000×8000 px view; the limit is 64/,
    );
    const fine = await renderViews(
      c,
      0,
      { at: 0, seed: 0, size: null },
      { runtime: await runtime, limits },
    );
    expect([fine.width, fine.height]).toEqual([16, 16]);
  });

  it("refuses the image size and the batch before allocating", async () => {
    const big = config(
      "resolution: 16+4000*(epoch==3)\nepochs: 4\ntargets:\n  - features:\n      - text: a\n",
    );
    await expect(
      renderViews(big, 0, { at: 1, seed: 0, size: null }, { runtime: await runtime, limits }),
    ).rejects.toThrow(/resolution at epoch 3 is 4016×4016 px/);
    const many = config(tiny("      - noise: 0.1", 9));
    await expect(
      renderViews(many, 0, { at: 0, seed: 0, size: null }, { runtime: await runtime, limits }),
    ).rejects.toThrow(/batch_size is 9 views; the limit is 4/);
  });
});

describe("renderViews reads the config as a run does", () => {
  const bright = (head: string) => `${head}
resolution: 2 1
init:
  image_tensor: [[[1.5, 0.25]], [[0, 0]], [[0, 0]]]
targets:
  - features:
      - text: a
    transforms:
      - shift: 1 0
`;
  const red = async (text: string) =>
    Array.from(
      (
        await renderViews(
          config(text),
          0,
          { at: 0, seed: 0, size: null },
          { runtime: await runtime },
        )
      ).data.subarray(0, 2),
    );

  it("clamps every item's output to [0, 1] unless clamp_items is false (CLIPig's default)", async () => {
    expect(await red(bright(""))).toEqual([0.25, 1]);
    expect(await red(bright("clamp_items: false"))).toEqual([0.25, 1.5]);
  });

  it("draws an expression without variables once per render, the same for every view", async () => {
    const text = `resolution: 8\ntargets:\n  - batch_size: 6\n    features:\n      - text: a\n    transforms:\n      - noise: 0.01\n      - rotate:\n          degree: uniform(-90, 90)\n`;
    const v = await renderViews(
      config(text),
      0,
      { at: 0, seed: 3, size: null },
      { runtime: await runtime },
    );
    expect(v.batch).toBe(6);
    // Rotation by one angle for all: views differ only by their small noise.
    const plane = 3 * v.height * v.width;
    for (let b = 1; b < v.batch; b++) {
      let diff = 0;
      for (let i = 0; i < plane; i++)
        diff = Math.max(diff, Math.abs(v.data[b * plane + i] - v.data[i]));
      expect(diff).toBeLessThan(0.2);
    }
  });
});
