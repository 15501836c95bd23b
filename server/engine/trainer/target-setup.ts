// The per-target state a config needs: embedded features, `fair` auto-scales and the statistics
// record — kept from the previous config where a target's labels (and features) did not change, so a
// hot update does not reset its statistics or recompute its scales.
import { constraintSteps } from "../../../lib/experiment";
import type { ExperimentConfig } from "../../../lib/experiment/config";
import { autoScales, featureLabel, type FeatureStore } from "./features";
import { newTargetRecord } from "./statistics";
import type { TargetState } from "./target-eval";

/**
 * One state per target of `config` (null for inactive ones); `previous` and `old` are the config and
 * states before an update (null at the start). `clipSized` gives the current pixels as CLIP sees
 * them (what fair auto-scales compare the features with).
 */
export async function setupTargets(
  config: ExperimentConfig,
  store: FeatureStore,
  clipSized: () => Float32Array,
  previous: ExperimentConfig | null,
  old: readonly (TargetState | null)[],
): Promise<(TargetState | null)[]> {
  const next: (TargetState | null)[] = [];
  for (const [i, t] of config.targets.entries()) {
    if (!t.active) {
      next.push(null);
      continue;
    }
    const features = await store.embed(t.features);
    const before = previous && previous.targets[i] ? old[i] : null;
    const constraints = t.constraints.flatMap(constraintSteps);
    const labels = JSON.stringify([
      t.name,
      t.features.map(featureLabel),
      constraints.map((c) => c.name),
    ]);
    const oldLabels = before
      ? JSON.stringify([
          before.config.name,
          before.config.features.map(featureLabel),
          before.config.constraints.flatMap(constraintSteps).map((c) => c.name),
        ])
      : "";
    const same = before && labels === oldLabels ? before : null;
    const record =
      same?.record ??
      newTargetRecord(
        i,
        t.name,
        t.features.map(featureLabel),
        constraints.map((c) => ({ label: `${c.name}()`, weight: 0 })),
      );
    let auto: number[] | null = null;
    if (t.feature_scale !== "equal" && features.length) {
      const sameFeatures =
        before?.auto &&
        JSON.stringify(before.config.features.map(featureLabel)) ===
          JSON.stringify(t.features.map(featureLabel));
      auto = sameFeatures
        ? before.auto
        : autoScales(features, await store.embedPixels(clipSized()));
    }
    next.push({
      config: t,
      features,
      auto,
      record,
      constraintValues: same?.constraintValues ?? [],
    });
  }
  return next;
}
