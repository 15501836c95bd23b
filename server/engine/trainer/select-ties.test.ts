// `select: best/worst` applies exactly one feature, also when scaled similarities tie (issue 12,
// item 2). The cases and CLIPig's choices come from its own `_get_target_feature_weights` on
// Debian's torch (scripts/fixtures/clipig_parity.py → scripts/fixtures/clipig-parity.json).
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Graph, Runtime } from "../graph";
import { buildHead, HEAD_INPUTS } from "./loss-head";
import { appliedFeatures, type ViewValues } from "./target-eval";

interface Case {
  mode: "best" | "worst";
  sims: number[];
  enabled: boolean[];
  applied: boolean[];
}
const CASES = (
  JSON.parse(
    readFileSync(new URL("../../../scripts/fixtures/clipig-parity.json", import.meta.url), "utf8"),
  ) as { select: Case[] }
).select;

const D = 4;
let rt: Runtime;
beforeAll(async () => {
  rt = await Runtime.create({ device: "cpu", threads: 1 });
});
afterAll(() => rt.release());

/**
 * One view e = (1, 0, 0, 0) and features (c, √(1−c²), 0, 0) with c = sim / 10: equal sims give
 * identical features, so the graph's similarities tie exactly. Feature i has weight 4^i, so the
 * loss says which features applied: Σ 4^i (1 − c_i) over them.
 */
async function applied(c: Case): Promise<boolean[]> {
  const F = c.sims.length;
  const g = new Graph();
  const e = g.input("e", [1, D]);
  const head = buildHead(
    g,
    "t/",
    { views: 1, losses: c.sims.map(() => "cosine"), select: c.mode, constraints: 0 },
    e,
    null,
  );
  g.output(head.loss, "loss");
  const s = await rt.load(g);
  const cs = c.sims.map((x) => x / 10);
  const feeds: Record<string, Float32Array> = {
    e: Float32Array.from([1, 0, 0, 0]),
    [`t/${HEAD_INPUTS.features}`]: Float32Array.from(
      cs.flatMap((x) => [x, Math.sqrt(1 - x * x), 0, 0]),
    ),
    [`t/${HEAD_INPUTS.weights}`]: Float32Array.from(
      c.sims.map((_, i) => (c.enabled[i] ? 4 ** i : 0)),
    ),
    [`t/${HEAD_INPUTS.enabled}`]: Float32Array.from(c.enabled.map(Number)),
    [`t/${HEAD_INPUTS.scales}`]: new Float32Array(F).fill(1),
    [`t/${HEAD_INPUTS.targetWeight}`]: Float32Array.from([1]),
  };
  const out = await s.run(Object.fromEntries(s.inputs.map((i) => [i.name, feeds[i.name]])));
  let loss = (out.loss.data as Float32Array)[0];
  // decode greedily: with 1 − c_i ≥ 0.5, each term outweighs all lower ones together
  const picked = c.sims.map(() => false);
  for (let i = F - 1; i >= 0; i--) {
    const part = 4 ** i * (1 - Math.fround(cs[i]));
    if (c.enabled[i] && loss >= part * (1 - 1e-4)) {
      picked[i] = true;
      loss -= part;
    }
  }
  expect(Math.abs(loss)).toBeLessThan(1e-4);
  return picked;
}

describe("select best/worst with tied similarities (CLIPig keeps exactly one)", () => {
  it.each(CASES.map((c) => [`${c.mode} ${JSON.stringify(c.sims)}`, c] as const))(
    "%s: the graph applies the feature CLIPig applies",
    async (_, c) => {
      expect(c.applied.filter(Boolean)).toHaveLength(1);
      expect(await applied(c)).toEqual(c.applied);
    },
  );

  it.each(CASES.map((c) => [`${c.mode} ${JSON.stringify(c.sims)}`, c] as const))(
    "%s: the statistics count the same feature",
    (_, c) => {
      const vv = { enabled: c.enabled, weights: c.sims.map(() => 1) } as unknown as ViewValues;
      expect(appliedFeatures(c.mode, c.sims, vv)).toEqual(c.applied);
    },
  );
});
