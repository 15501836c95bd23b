// The loss of one target's views (defgsus/clipig src/training.py:541-643) as a graph fragment:
// similarities with the target's
// feature embeddings, the per-feature losses, `select` (all/best/worst in the graph, mix from a
// feature mixed in JS), constraint losses and the target weight. Everything that the user may
// change without touching the structure (texts, weights, scales, start/end) is a graph input.
import type { Graph, Value } from "../graph";

export type FeatureLoss = "cosine" | "l1" | "l2";
export type SelectMode = "all" | "best" | "worst" | "mix";

/** What shapes the head: changing any of it rebuilds the graph. */
export interface HeadPlan {
  /** Views of this target per step (V). */
  views: number;
  /** Loss function per feature (F = length; 0 = a constraints-only target). */
  losses: readonly FeatureLoss[];
  select: SelectMode;
  /** Constraints (C). */
  constraints: number;
}

/** Graph input names of a head, relative to its prefix; the trainer fills them every step. */
export const HEAD_INPUTS = {
  /** `[F, D]` unit feature embeddings. */
  features: "features",
  /** `[V, F]` evaluated feature weights, 0 where the feature is off (start/end). */
  weights: "weights",
  /** `[V, F]` 1 where a feature is on by start/end (best/worst choose among these). */
  enabled: "enabled",
  /** `[V, F]` auto-scale × user scale, applied to similarities for best/worst. */
  scales: "scales",
  /** `[V, D]` mix mode: Σ w_i F_i / Σ |w_i| over enabled features. */
  mix: "mix",
  /** `[V]` mix mode: 1 when the mixed feature applies. */
  mixOn: "mix_on",
  /** `[V, C]` evaluated constraint weights, 0 where a constraint is off. */
  constraintWeights: "constraint_weights",
  /** `[V]` evaluated target weight. */
  targetWeight: "target_weight",
} as const;

export interface Head {
  /** Scalar: Σ_views target_weight · (feature losses + weighted constraint losses). */
  loss: Value;
  /** `[V, F]` 100 · cos(view, feature), unscaled (null without features). */
  similarities: Value | null;
  /** `[V, F]` each feature's own loss ℓ (mix: `[V, 1]`, the mixed loss); null without features. */
  featureLosses: Value | null;
}

/**
 * `embeds` `[V, D]` are unit view embeddings; `constraintLosses` `[V, C]` the constraints' raw losses.
 * Inputs are declared under `prefix` (e.g. `target0/`).
 */
export function buildHead(
  g: Graph,
  prefix: string,
  plan: HeadPlan,
  embeds: Value,
  constraintLosses: Value | null,
): Head {
  const [V, D] = embeds.shape;
  const F = plan.losses.length;
  // Fed as float32 and cast, so a float16 graph takes the same feeds.
  const input = (name: string, shape: number[]) =>
    g.Cast(g.input(prefix + name, shape, "float32"), g.float);
  let perView: Value | null = null;
  let similarities: Value | null = null;
  let featureLosses: Value | null = null;

  if (F > 0) {
    const { features, cos } = cosines(g, prefix, embeds, F);
    similarities = g.Mul(cos, 100);
    if (plan.select === "mix") {
      const mix = input(HEAD_INPUTS.mix, [V, D]);
      const on = input(HEAD_INPUTS.mixOn, [V]);
      featureLosses = g.Unsqueeze(mixedLoss(g, plan.losses[0], embeds, mix), [1]);
      perView = g.Mul(g.Squeeze(featureLosses, [1]), on);
    } else {
      featureLosses = lossMatrix(g, plan.losses, embeds, features, cos);
      let weights = input(HEAD_INPUTS.weights, [V, F]);
      if (plan.select === "best" || plan.select === "worst")
        weights = g.Mul(
          weights,
          selection(
            g,
            plan.select,
            similarities,
            input(HEAD_INPUTS.enabled, [V, F]),
            input(HEAD_INPUTS.scales, [V, F]),
          ),
        );
      perView = g.ReduceSum(g.Mul(weights, featureLosses), [1], false);
    }
  }
  if (constraintLosses && plan.constraints > 0) {
    const cw = input(HEAD_INPUTS.constraintWeights, [V, plan.constraints]);
    const c = g.ReduceSum(g.Mul(constraintLosses, cw), [1], false);
    perView = perView ? g.Add(perView, c) : c;
  }
  const tw = input(HEAD_INPUTS.targetWeight, [V]);
  const loss = perView
    ? g.ReduceSum(g.Mul(perView, tw), undefined, false)
    : g.Mul(g.ReduceSum(tw, undefined, false), 0);
  return { loss, similarities, featureLosses };
}

/** The features input `[F, D]` and `[V, F]` cosines with the unit view embeddings. */
export function cosines(
  g: Graph,
  prefix: string,
  embeds: Value,
  F: number,
): { features: Value; cos: Value } {
  const features = g.Cast(
    g.input(prefix + HEAD_INPUTS.features, [F, embeds.shape[1]], "float32"),
    g.float,
  );
  return { features, cos: g.MatMul(embeds, g.Transpose(features, [1, 0])) };
}

/** `[V, F]` ℓ(view, feature) with each feature's own loss function. */
function lossMatrix(
  g: Graph,
  losses: readonly FeatureLoss[],
  e: Value,
  features: Value,
  cos: Value,
): Value {
  const D = e.shape[1];
  const kinds = [...new Set(losses)];
  const byKind = (kind: FeatureLoss): Value => {
    switch (kind) {
      case "cosine":
        return g.Sub(1, cos);
      case "l2":
        // Both sides are unit vectors: mean (e − f)² = (2 − 2·cos) / D.
        return g.Mul(g.Sub(1, cos), 200 / D);
      case "l1": {
        const diff = g.Sub(g.Unsqueeze(e, [1]), g.Unsqueeze(features, [0])); // [V, F, D]
        return g.Mul(g.ReduceMean(g.Abs(diff), [2], false), 100);
      }
    }
  };
  if (kinds.length === 1) return byKind(kinds[0]);
  let out: Value | null = null;
  for (const kind of kinds) {
    const mask = g.constant(
      losses.map((l) => (l === kind ? 1 : 0)),
      [losses.length],
    );
    const part = g.Mul(byKind(kind), mask);
    out = out ? g.Add(out, part) : part;
  }
  return out!;
}

/** `[V]` ℓ(view, mixed feature) for `select: mix` (the first feature's loss function). */
function mixedLoss(g: Graph, kind: FeatureLoss, e: Value, mix: Value): Value {
  const D = e.shape[1];
  switch (kind) {
    case "cosine": {
      // torch cosine_similarity: x·y / max(|x|·|y|, eps); |e| = 1.
      const dot = g.ReduceSum(g.Mul(e, mix), [1], false);
      const norm = g.Max(g.Sqrt(g.ReduceSum(g.Mul(mix, mix), [1], false)), 1e-8);
      return g.Sub(1, g.Div(dot, norm));
    }
    case "l1":
      return g.Mul(g.ReduceSum(g.Abs(g.Sub(e, mix)), [1], false), 100 / D);
    case "l2": {
      const d = g.Sub(e, mix);
      return g.Mul(g.ReduceSum(g.Mul(d, d), [1], false), 100 / D);
    }
  }
}

/**
 * `[V, F]` 1 for the best (worst) enabled feature by scaled similarity, else 0: exactly one, also
 * when similarities tie — CLIPig walks `torch.argsort` and keeps the first enabled one
 * (src/training.py:663-672), which for tied values is the lowest index (torch sorts up to 16 values
 * stably). Comparisons carry no gradient, so the mask only chooses which losses count.
 */
function selection(
  g: Graph,
  mode: "best" | "worst",
  sims: Value,
  enabled: Value,
  scales: Value,
): Value {
  const far = mode === "best" ? -1e30 : 1e30;
  const on = g.Greater(enabled, 0);
  const scored = g.Where(on, g.Mul(sims, scales), far);
  const pick = mode === "best" ? g.ReduceMax(scored, [1], true) : g.ReduceMin(scored, [1], true);
  const tied = g.Cast(g.And(g.Equal(scored, pick), on), scored.dtype);
  // among tied features the lowest index: rank F, F-1, …, 1 and keep the highest ranked
  const F = scored.shape[1];
  const rank = g.constant(
    Array.from({ length: F }, (_, i) => F - i),
    [F],
    { dtype: scored.dtype },
  );
  const ranked = g.Mul(tied, rank);
  const first = g.And(g.Equal(ranked, g.ReduceMax(ranked, [1], true)), g.Greater(ranked, 0));
  return g.Cast(first, scored.dtype);
}
