// CLIPig's hidden clamp after every item (`clamp_items`, issue 12 item 10): the chain leaves out the
// clamps that change nothing (one followed only by pixel moves up to the next item clamp), so the
// moves stay one fused gather; the result must equal clamping after every item, step by step.
import { describe, expect, it } from "vitest";
import { ITEM_CLAMP } from "../../../lib/experiment";
import { evalParams } from "../trainer/evaluate";
import { maxDiff, runViewCases, testImage, transformStep } from "./testing/harness";
import { ref, type Img } from "./testing/reference";
import type { Step } from "./types";

const C = {
  name: ITEM_CLAMP.name,
  params: evalParams(ITEM_CLAMP.params, {}, () => NaN),
} as Step<"clamp">;
const clamp01 = (a: Img) => ref.clamp(a, [0, 1]);

describe("item clamps in a chain", () => {
  it("equal a clamp after every item, also where they are left out around pixel moves", async () => {
    const image = testImage(6, 7, 3);
    const steps = [
      transformStep("add", [0.4, -0.3, 0.2]),
      C,
      transformStep("repeat", [2, 2]),
      C,
      transformStep("pad", { size: [1, 2], color: [2, -1, 0.5], mode: "fill" }),
      C,
      transformStep("shift", [3, 1]),
      C,
      transformStep("center_crop", [9, 10]),
      C,
      transformStep("mul", [1.5, 2, 0.5]),
      C,
    ];
    const [r] = await runViewCases([{ steps, image }]);
    let want = clamp01(ref.add(image, [0.4, -0.3, 0.2]));
    want = clamp01(ref.repeat(want, [2, 2]));
    want = clamp01(ref.pad(want, { size: [1, 2], color: [2, -1, 0.5], mode: "fill" }));
    want = clamp01(ref.shift(want, [3, 1]));
    want = clamp01(ref.center_crop(want, [9, 10]));
    want = clamp01(ref.mul(want, [1.5, 2, 0.5]));
    expect([r.views[0].h, r.views[0].w]).toEqual([want.h, want.w]);
    expect(maxDiff(r.views[0], want)).toBeLessThan(1e-12);
    // without the clamps it is another picture (values outside [0, 1] flow on)
    const [bare] = await runViewCases([{ steps: steps.filter((s) => s !== C), image }]);
    expect(maxDiff(bare.views[0], want)).toBeGreaterThan(0.1);
  });

  it("a user's own clamp is never left out", async () => {
    const image = testImage(4, 4, 5);
    const user = transformStep("clamp", [0.2, 0.6]);
    const steps = [transformStep("add", [0.3, 0.3, 0.3]), user, transformStep("repeat", [2, 1]), C];
    const [r] = await runViewCases([{ steps, image }]);
    const want = clamp01(
      ref.repeat(ref.clamp(ref.add(image, [0.3, 0.3, 0.3]), [0.2, 0.6]), [2, 1]),
    );
    expect(maxDiff(r.views[0], want)).toBeLessThan(1e-12);
  });
});
