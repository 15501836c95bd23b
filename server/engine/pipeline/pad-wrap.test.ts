// `pad` with mode `wrap` against CLIPig's own Pad on Debian's torch (issue 12, item 3): CLIPig
// attaches slices of the image, so a size larger than the image adds at most its width/height per
// side. Expected outputs: scripts/fixtures/clipig_parity.py → scripts/fixtures/clipig-parity.json.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runViewCases, transformStep } from "./testing/harness";
import { ref } from "./testing/reference";

const { pad_wrap: PAD } = JSON.parse(
  readFileSync(new URL("../../../scripts/fixtures/clipig-parity.json", import.meta.url), "utf8"),
) as { pad_wrap: { image: number[][][]; cases: { size: number[]; out: number[][][] }[] } };

const image = { h: 2, w: 3, d: Float64Array.from(PAD.image.flat(2)) };

describe("pad wrap (CLIPig's slices)", () => {
  it("gives CLIPig's output for sizes within and beyond the image", async () => {
    const results = await runViewCases(
      PAD.cases.map((c) => ({
        steps: [transformStep("pad", { size: c.size, mode: "wrap" })],
        image,
      })),
    );
    PAD.cases.forEach((c, i) => {
      const [view] = results[i].views;
      const h = c.out[0].length;
      const w = c.out[0][0].length;
      expect([view.h, view.w], `size ${c.size}`).toEqual([h, w]);
      Array.from(view.d).forEach((x, k) => expect(x).toBeCloseTo(c.out.flat(2)[k], 6));
      // the plain-JS reference agrees
      const r = ref.pad(image, { size: c.size, color: [0, 0, 0], mode: "wrap" });
      expect([r.h, r.w]).toEqual([h, w]);
      expect(Array.from(r.d)).toEqual(Array.from(view.d));
    });
  });
});
