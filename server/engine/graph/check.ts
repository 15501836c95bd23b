// Gradient checking by central finite differences: builds `build(inputs)`, reduces it to a scalar with fixed
// random weights, takes grad() and compares every (or a sample of) input element's analytic gradient with
// (loss(x+ε) − loss(x−ε)) / 2ε, all run in onnxruntime. Used by the rule table test and by any module
// that builds graph fragments (pipeline transforms) to check their gradients.
import { Graph } from "./builder";
import type { Value } from "./graph";
import { grad, type GradOptions } from "./grad/backprop";
import { Runtime } from "./runtime";
import { fromNumbers, sizeOf, type Shape } from "./types";

export interface CheckInput {
  readonly name: string;
  readonly shape: Shape;
  /** Uniform range of the random values (default [-1, 1]). */
  readonly range?: readonly [number, number];
  /** Points (kinks, poles) the random values keep at least 0.05 away from. */
  readonly awayFrom?: readonly number[];
  /** Fixed values instead of random ones. */
  readonly values?: readonly number[];
}

export interface GradCheck {
  readonly name: string;
  readonly inputs: readonly CheckInput[];
  readonly build: (g: Graph, ...xs: Value[]) => Value;
  /** float64 (default) or float32 for ops onnxruntime has no double kernel for. */
  readonly float?: "float64" | "float32";
  /** Allowed |numeric − analytic| / max(1, |numeric|). */
  readonly tolerance?: number;
  readonly eps?: number;
  readonly seed?: number;
  /** Elements checked per input (a random sample when larger). */
  readonly maxElements?: number;
  /** Which inputs to differentiate (default all). */
  readonly wrt?: readonly string[];
  /** Rule table override, passed to grad(). */
  readonly rules?: GradOptions["rules"];
}

export interface GradCheckResult {
  readonly maxError: number;
  readonly ok: boolean;
  /** One line: case, seed, max error and the worst element (for failure messages). */
  readonly report: string;
}

let shared: Promise<Runtime> | undefined;
const defaultRuntime = () => (shared ??= Runtime.create({ device: "cpu", threads: 1 }));

/** A small seeded PRNG (mulberry32), so failures can be replayed from the printed seed. */
export function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sample(input: CheckInput, rnd: () => number): number[] {
  if (input.values) return [...input.values];
  const [lo, hi] = input.range ?? [-1, 1];
  return Array.from({ length: sizeOf(input.shape) }, () => {
    for (;;) {
      const v = lo + (hi - lo) * rnd();
      if (!(input.awayFrom ?? []).some((p) => Math.abs(v - p) < 0.05)) return v;
    }
  });
}

export async function checkGradient(c: GradCheck, runtime?: Runtime): Promise<GradCheckResult> {
  const rt = runtime ?? (await defaultRuntime());
  const seed = c.seed ?? 1;
  const rnd = random(seed);
  const float = c.float ?? "float64";
  const eps = c.eps ?? (float === "float64" ? 1e-6 : 1e-3);
  const tolerance = c.tolerance ?? (float === "float64" ? 1e-6 : 2e-2);

  const g = new Graph({ float, name: c.name });
  const xs = c.inputs.map((i) => g.input(i.name, i.shape));
  const y = c.build(g, ...xs);
  const weights = g.constant(
    fromNumbers(
      float,
      Array.from({ length: y.size }, () => 2 * rnd() - 1),
    ),
    y.shape,
  );
  const loss = g.scope("loss", () => g.ReduceSum(g.Mul(y, weights), undefined, false));
  g.output(loss, "loss");
  const wrt = xs.filter((x) => !c.wrt || c.wrt.includes(x.name));
  grad(g, loss, wrt, { rules: c.rules }).forEach((d, i) => g.output(d, `grad_${wrt[i].name}`));
  const session = await rt.load(g, { optimization: "basic", reuseOutputs: false });

  const values = c.inputs.map(
    (i) => fromNumbers(float, sample(i, rnd)) as Float64Array | Float32Array,
  );
  const feeds = () => Object.fromEntries(c.inputs.map((inp, i) => [inp.name, values[i]]));
  const analytic = await session.run(feeds());
  const lossAt = async () => Number((await session.run(feeds(), ["loss"])).loss.data[0]);

  let maxError = 0;
  let worst = "";
  for (const x of wrt) {
    const k = xs.indexOf(x);
    const data = values[k];
    const an = analytic[`grad_${x.name}`].data as Float64Array | Float32Array;
    const picks = Array.from({ length: data.length }, (_, i) => i);
    for (let i = picks.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [picks[i], picks[j]] = [picks[j], picks[i]];
    }
    for (const i of picks.slice(0, c.maxElements ?? 48)) {
      const x0 = data[i];
      data[i] = x0 + eps;
      const plus = await lossAt();
      data[i] = x0 - eps;
      const minus = await lossAt();
      data[i] = x0;
      const numeric = (plus - minus) / (2 * eps);
      const err = Math.abs(numeric - an[i]) / Math.max(1, Math.abs(numeric));
      if (err > maxError || !Number.isFinite(err)) {
        maxError = Number.isFinite(err) ? err : Infinity;
        worst = `${x.name}[${i}]: numeric ${numeric.toPrecision(8)} vs analytic ${an[i].toPrecision(8)}`;
      }
    }
  }
  const ok = maxError <= tolerance;
  const report = `${c.name} (${float}, seed ${seed}): max error ${maxError.toExponential(2)} (tolerance ${tolerance})${worst ? `, worst ${worst}` : ""}`;
  return { maxError, ok, report };
}
