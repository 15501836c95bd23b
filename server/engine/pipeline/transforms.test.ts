// Every transform against plain-JS loops of its formula on small images, through the real graph
// (float64).
import { describe, expect, it } from "vitest";
import { TRANSFORM_NAMES, TRANSFORMS, type TransformName } from "../../../lib/experiment/params";
import { TRANSFORM_MODULES } from "./registry";
import { createRng, type Rng } from "./rng";
import {
  lovecraftChain,
  maxDiff,
  runViewCases,
  testImage,
  transformStep,
  type ViewCase,
} from "./testing/harness";
import { ref, resizeRef, type Img } from "./testing/reference";
import type { Values } from "./types";

type Expect = (a: Img, p: Values, rng: Rng, noise: (n: number) => number[]) => Img;
interface Case {
  label: string;
  name: TransformName;
  value: unknown;
  size?: [number, number];
  batch?: number;
  expect: Expect;
}

const v = (p: Values, k: string) => p[k] as never;
const draw = (rng: Rng) => (n: number) => Array.from({ length: n }, () => rng.gaussian());

const CASES: Case[] = [
  {
    label: "blur 3x3",
    name: "blur",
    value: { kernel_size: [3, 3] },
    expect: (a, p) => ref.blur(a, p as never),
  },
  {
    label: "blur even 4x2 → 5x3, sigma",
    name: "blur",
    value: { kernel_size: [4, 2], sigma: [0.7, 1.3] },
    size: [6, 7],
    expect: (a, p) => ref.blur(a, p as never),
  },
  {
    label: "blur kernel 0 → identity",
    name: "blur",
    value: { kernel_size: [0, 0] },
    expect: (a) => a,
  },
  {
    label: "resize up",
    name: "resize",
    value: [7, 6],
    expect: (a, p) => ref.resize(a, v(p, "size")),
  },
  {
    label: "resize down",
    name: "resize",
    value: [3, 2],
    size: [8, 8],
    expect: (a, p) => ref.resize(a, v(p, "size")),
  },
  {
    label: "center_crop 3x3 of 4x5",
    name: "center_crop",
    value: [3, 3],
    size: [4, 5],
    expect: (a, p) => ref.center_crop(a, v(p, "size")),
  },
  {
    label: "center_crop [h, w] larger (zero pad)",
    name: "center_crop",
    value: [7, 4],
    size: [4, 5],
    expect: (a, p) => ref.center_crop(a, v(p, "size")),
  },
  {
    label: "random_crop",
    name: "random_crop",
    value: [2, 3],
    batch: 3,
    expect: (a, p, rng) => ref.random_crop(a, v(p, "size"), rng),
  },
  {
    label: "crop fractions",
    name: "crop",
    value: [0.25, 0.5, 3, 2],
    size: [4, 5],
    expect: (a, p) => ref.crop(a, v(p, "xywh")),
  },
  {
    label: "crop outside (zero)",
    name: "crop",
    value: [3, 2, 4, 3],
    size: [4, 5],
    expect: (a, p) => ref.crop(a, v(p, "xywh")),
  },
  {
    label: "repeat 2x3",
    name: "repeat",
    value: [2, 3],
    size: [3, 2],
    expect: (a, p) => ref.repeat(a, v(p, "count")),
  },
  {
    label: "pad fill",
    name: "pad",
    value: { size: [2, 1], color: [0.1, 0.2, 0.3], mode: "fill" },
    expect: (a, p) => ref.pad(a, p as never),
  },
  {
    label: "pad edge",
    name: "pad",
    value: { size: [2, 3], mode: "edge" },
    expect: (a, p) => ref.pad(a, p as never),
  },
  {
    label: "pad wrap",
    name: "pad",
    value: { size: [3, 1], mode: "wrap" },
    expect: (a, p) => ref.pad(a, p as never),
  },
  {
    label: "pad unknown mode",
    name: "pad",
    value: { size: [3, 1], mode: "mirror" },
    expect: (a) => a,
  },
  {
    label: "pad negative size",
    name: "pad",
    value: { size: [-2, 1], mode: "fill", color: [1, 1, 1] },
    expect: (a, p) => ref.pad(a, p as never),
  },
  {
    label: "border",
    name: "border",
    value: { size: [1, 2], color: [0.9, 0.5, 0.1] },
    size: [6, 5],
    expect: (a, p) => ref.border(a, p as never),
  },
  {
    label: "border 0 x",
    name: "border",
    value: { size: [0, 1], color: [1, 0, 0] },
    expect: (a, p) => ref.border(a, p as never),
  },
  {
    label: "noise",
    name: "noise",
    value: [0.1, 0.2, 0.3],
    batch: 2,
    expect: (a, p, _, z) => ref.noise(a, v(p, "std"), z(3 * a.h * a.w)),
  },
  {
    label: "bwnoise",
    name: "bwnoise",
    value: 0.2,
    batch: 2,
    expect: (a, p, _, z) => ref.bwnoise(a, v(p, "std"), z(a.h * a.w)),
  },
  {
    label: "rnoise",
    name: "rnoise",
    value: { std: [0.1, 0.2, 0.3], resolution: [2, 3] },
    batch: 2,
    expect: (a, p, _, z) => ref.rnoise(a, p as never, z(3 * 6)),
  },
  {
    label: "edge",
    name: "edge",
    value: { kernel_size: [3, 5], amount: [1, 2, 3] },
    size: [6, 5],
    expect: (a, p) => ref.edge(a, p as never),
  },
  {
    label: "edge sigma",
    name: "edge",
    value: { kernel_size: [3, 3], sigma: [2, 0.5], amount: [4, 4, 4] },
    expect: (a, p) => ref.edge(a, p as never),
  },
  {
    label: "rotate 30",
    name: "rotate",
    value: { degree: 30, center: [0.5, 0.5] },
    size: [8, 8],
    expect: (a, p) => ref.rotate(a, p as never),
  },
  {
    label: "rotate -113 off-centre",
    name: "rotate",
    value: { degree: -113, center: [0.2, 0.7] },
    size: [5, 7],
    expect: (a, p) => ref.rotate(a, p as never),
  },
  {
    label: "random_rotate",
    name: "random_rotate",
    value: { degree: [-90, 90], center: [0.3, 0.7] },
    size: [8, 8],
    batch: 4,
    expect: (a, p, rng) => ref.random_rotate(a, p as never, rng),
  },
  {
    label: "random_scale",
    name: "random_scale",
    value: [0.5, 1.7],
    size: [8, 8],
    batch: 4,
    expect: (a, p, rng) => ref.random_scale(a, v(p, "scale"), rng),
  },
  {
    label: "random_translate",
    name: "random_translate",
    value: [0.3, 0.5],
    batch: 4,
    expect: (a, p, rng) => ref.random_translate(a, v(p, "offset"), rng),
  },
  {
    label: "shift pixels",
    name: "shift",
    value: [1, -2],
    expect: (a, p) => ref.shift(a, v(p, "offset")),
  },
  {
    label: "shift fractions",
    name: "shift",
    value: [0.5, -0.99],
    expect: (a, p) => ref.shift(a, v(p, "offset")),
  },
  {
    label: "random_shift 2",
    name: "random_shift",
    value: [0, 1],
    batch: 4,
    expect: (a, p, rng) => ref.random_shift(a, v(p, "offset"), rng),
  },
  {
    label: "random_shift 4",
    name: "random_shift",
    value: [-0.5, 0.5, 2, 3],
    batch: 4,
    expect: (a, p, rng) => ref.random_shift(a, v(p, "offset"), rng),
  },
  {
    label: "add",
    name: "add",
    value: [0.1, -0.2, 0.3],
    expect: (a, p) => ref.add(a, v(p, "color")),
  },
  { label: "mul", name: "mul", value: [0.2, 2, -1], expect: (a, p) => ref.mul(a, v(p, "color")) },
  {
    label: "mean",
    name: "mean",
    value: [0.33, 0.5, 0.1],
    expect: (a, p) => ref.mean(a, v(p, "mean")),
  },
  {
    label: "clamp",
    name: "clamp",
    value: [0.3, 0.6],
    expect: (a, p) => ref.clamp(a, v(p, "range")),
  },
  {
    label: "quantize",
    name: "quantize",
    value: [0.1, 0.25, 0.3],
    expect: (a, p) => ref.quantize(a, v(p, "step")),
  },
  {
    label: "saturation 0 (grey)",
    name: "saturation",
    value: 0,
    expect: (a, p) => ref.saturation(a, v(p, "factor")),
  },
  {
    label: "saturation 2.5",
    name: "saturation",
    value: 2.5,
    expect: (a, p) => ref.saturation(a, v(p, "factor")),
  },
  {
    label: "contrast 0.3",
    name: "contrast",
    value: 0.3,
    expect: (a, p) => ref.contrast(a, v(p, "factor")),
  },
  {
    label: "contrast 3",
    name: "contrast",
    value: 3,
    expect: (a, p) => ref.contrast(a, v(p, "factor")),
  },
];

describe("registry", () => {
  it("has one module per transform of the parameter table, with its rows", () => {
    expect(Object.keys(TRANSFORM_MODULES).sort()).toEqual([...TRANSFORM_NAMES].sort());
    for (const name of TRANSFORM_NAMES) expect(TRANSFORM_MODULES[name].spec).toBe(TRANSFORMS[name]);
  });
});

describe("transforms match their formulas (float64 graph vs JS loops)", async () => {
  const viewCases: ViewCase[] = CASES.map((c, i) => ({
    steps: [transformStep(c.name, c.value)],
    image: testImage(...(c.size ?? [4, 5]), 100 + i),
    batch: c.batch ?? 1,
    seed: 7 + i,
  }));
  const results = await runViewCases(viewCases);

  it.each(CASES.map((c, i) => [c.label, i] as const))("%s", (_, i) => {
    const c = CASES[i];
    const { steps, image, batch = 1, seed = 0 } = viewCases[i];
    const rng = createRng(seed); // the same draws as the feed, in the same order
    const z = draw(rng);
    const expected: Img[] = [];
    if (["noise", "bwnoise", "rnoise"].includes(c.name)) {
      // one gaussian input for the whole batch (drawn first), then split per view
      const per =
        c.name === "noise" ? 3 * image.h * image.w : c.name === "bwnoise" ? image.h * image.w : 18;
      const all = z(per * batch);
      for (let b = 0; b < batch; b++)
        expected.push(
          c.expect(image, steps[0].params, rng, () => all.slice(b * per, (b + 1) * per)),
        );
    } else for (let b = 0; b < batch; b++) expected.push(c.expect(image, steps[0].params, rng, z));
    const got = results[i].views;
    expect(got.length).toBe(batch);
    got.forEach((view, b) => {
      expect([view.h, view.w]).toEqual([expected[b].h, expected[b].w]);
      expect(maxDiff(view, expected[b])).toBeLessThan(1e-9);
    });
    if (batch > 1 && ["random_rotate", "random_shift", "random_crop", "noise"].includes(c.name))
      expect(maxDiff(got[0], got[1])).toBeGreaterThan(0); // views really differ
  });
});

describe("views", () => {
  it("fuses chains exactly like applying the transforms one by one (the Lovecraft chain)", async () => {
    const image = testImage(6, 6, 3);
    const steps = [
      ...lovecraftChain(8),
      transformStep("pad", { size: [1, 2], color: [0.5, 0.6, 0.7] }),
      transformStep("random_translate", [0.2, 0.2]),
    ];
    const batch = 3;
    const [res] = await runViewCases([{ steps, image, batch, seed: 11 }]);
    const rng = createRng(11);
    const z = Array.from({ length: batch * 3 * 36 }, () => rng.gaussian());
    let views = Array.from({ length: batch }, (_, b) =>
      ref.noise(image, [0.1, 0.1, 0.1], z.slice(b * 108, (b + 1) * 108)),
    );
    const p = (i: number) => steps[i].params as never;
    views = views.map((a) => ref.repeat(a, [3, 3]));
    views = views.map((a) => ref.random_shift(a, [0, 1], rng));
    views = views.map((a) => ref.random_rotate(a, p(3), rng));
    views = views.map((a) => ref.random_scale(a, [0.5, 1], rng));
    views = views.map((a) => ref.center_crop(a, [8, 8]));
    views = views.map((a) => ref.mul(a, [0.2, 0.2, 0.2]));
    views = views.map((a) => ref.pad(a, p(7)));
    views = views.map((a) => ref.random_translate(a, [0.2, 0.2], rng));
    res.views.forEach((view, b) => expect(maxDiff(view, views[b])).toBeLessThan(1e-9));
  });

  it("adds noise after the pixel moves that follow it when they shrink the image (same numbers)", async () => {
    const image = testImage(6, 6, 5);
    const rotate = transformStep("random_rotate", { degree: [-30, 30], center: [0.4, 0.6] });
    const moved = [
      transformStep("noise", [0.1, 0.2, 0.3]),
      transformStep("bwnoise", 0.2),
      transformStep("repeat", [2, 2]),
      rotate,
      transformStep("center_crop", [5, 5]),
    ];
    const filled = [
      transformStep("noise", [0.1, 0.2, 0.3]),
      transformStep("center_crop", [4, 4]),
      transformStep("pad", { size: [1, 1], color: [0.5, 0.6, 0.7], mode: "fill" }),
    ];
    const batch = 3;
    const [a, b] = await runViewCases([
      { steps: moved, image, batch, seed: 12 },
      { steps: filled, image, batch, seed: 13 },
    ]);
    const noisy = (rng: Rng) => {
      const z = draw(rng)(batch * 108);
      return Array.from({ length: batch }, (_, v) =>
        ref.noise(image, [0.1, 0.2, 0.3], z.slice(v * 108, (v + 1) * 108)),
      );
    };
    let rng = createRng(12);
    let views = noisy(rng);
    const zb = draw(rng)(batch * 36);
    views = views.map((x, v) => ref.bwnoise(x, 0.2, zb.slice(v * 36, (v + 1) * 36)));
    views = views.map((x) =>
      ref.center_crop(
        ref.random_rotate(ref.repeat(x, [2, 2]), rotate.params as never, rng),
        [5, 5],
      ),
    );
    a.views.forEach((view, v) => expect(maxDiff(view, views[v])).toBeLessThan(1e-9));
    rng = createRng(13);
    views = noisy(rng).map((x) => ref.pad(ref.center_crop(x, [4, 4]), filled[2].params as never));
    b.views.forEach((view, v) => expect(maxDiff(view, views[v])).toBeLessThan(1e-9));
    expect(b.views[0].d[0]).toBeCloseTo(0.5, 12); // the painted border gets no noise
  });

  it("resizes to the model size (bicubic) and clamps; per-view values", async () => {
    const image = testImage(5, 7, 4);
    const steps = [transformStep("add", [0, 0, 0])];
    const values = [[{ color: [0.5, 0, 0] }, { color: [-0.3, 0.2, 0] }]];
    const [res] = await runViewCases([{ steps, image, batch: 2, values, modelSize: [9, 6] }]);
    values[0].forEach((val, b) => {
      const expected = resizeRef(ref.add(image, val.color), 6, 9, "bicubic");
      expected.d = expected.d.map((x) => Math.min(Math.max(x, 0), 1));
      expect(maxDiff(res.views[b], expected)).toBeLessThan(1e-9);
    });
  });
});

describe("determinism", () => {
  it("the same seed gives the same views; another seed other views", async () => {
    const image = testImage(6, 6, 8);
    const steps = [
      transformStep("noise", [0.1, 0.1, 0.1]),
      transformStep("random_rotate", { degree: [-90, 90], center: [0.2, 0.8] }),
      transformStep("random_crop", [4, 4]),
    ];
    const [a, b, c] = await runViewCases([
      { steps, image, batch: 3, seed: 1 },
      { steps, image, batch: 3, seed: 1 },
      { steps, image, batch: 3, seed: 2 },
    ]);
    a.views.forEach((v, i) => expect(maxDiff(v, b.views[i])).toBe(0));
    expect(Math.max(...a.views.map((v, i) => maxDiff(v, c.views[i])))).toBeGreaterThan(0.01);
  });
});
