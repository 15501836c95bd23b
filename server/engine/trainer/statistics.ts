// Per-target statistics records and CLIPig's statistics block (defgsus/clipig
// src/training.py:491-505,708-776).
import type { ConstraintStats, FeatureStats, Summary } from "./api";
import { fixedStr, intStr, listStr, pad, roundStr, shortStr } from "./pyfmt";
import { ValueQueue } from "./value-queue";

export interface FeatureRecord {
  /** Text, or the image path when there is no text. */
  readonly label: string;
  readonly isImage: boolean;
  /** Loss values; `count` = times the feature was applied. */
  readonly losses: ValueQueue;
  readonly similarities: ValueQueue;
  /** Weight of the last evaluation. */
  weight: number;
}

export interface ConstraintRecord {
  /** The constraint description (src/constraints.py:106), refreshed when the table is made. */
  label: string;
  weight: number;
  readonly losses: ValueQueue;
}

export interface TargetRecord {
  readonly index: number;
  readonly name: string;
  /** Views evaluated. */
  count: number;
  /** True once the target's features were evaluated (CLIPig's `applied_feature_weights`). */
  featuresEvaluated: boolean;
  readonly features: FeatureRecord[];
  readonly constraints: ConstraintRecord[];
}

export function newTargetRecord(
  index: number,
  name: string,
  features: readonly { label: string; isImage: boolean }[],
  constraints: readonly { label: string; weight: number }[],
): TargetRecord {
  return {
    index,
    name,
    count: 0,
    featuresEvaluated: false,
    features: features.map((f) => ({
      ...f,
      losses: new ValueQueue(),
      similarities: new ValueQueue(),
      weight: 0,
    })),
    constraints: constraints.map((c) => ({ ...c, losses: new ValueQueue() })),
  };
}

const FEATURE_LENGTH = 40;
const NAME_LENGTH = 30;
const percent = (count: number, total: number) => (count / Math.max(1, total)) * 100;

interface Row {
  name: string;
  weight: string;
  feature: string;
  count: string;
  countP: string;
  loss: [string, string, string];
  sim?: [string, string, string];
}

const triple = (s: Summary): [string, string, string] => [
  roundStr(s.mean),
  roundStr(s.min),
  roundStr(s.max),
];

/** The statistics table: one row per feature of each evaluated target, then its constraints; columns padded. */
export function formatTargetTable(targets: readonly TargetRecord[]): string[] {
  const rows: Row[] = [];
  for (const t of targets) {
    if (t.featuresEvaluated) {
      t.features.forEach((f, i) =>
        rows.push({
          name: i === 0 ? shortStr(t.name, NAME_LENGTH) : "",
          weight: roundStr(f.weight),
          feature: shortStr(f.label, FEATURE_LENGTH, f.isImage),
          count: intStr(f.losses.count),
          countP: roundStr(percent(f.losses.count, t.count), 1),
          loss: triple(f.losses.summary()),
          sim: triple(f.similarities.summary()),
        }),
      );
    }
    for (const c of t.constraints) {
      rows.push({
        name: "  constraint",
        weight: roundStr(c.weight),
        feature: shortStr(c.label, FEATURE_LENGTH),
        count: intStr(c.losses.count),
        countP: roundStr(percent(c.losses.count, t.count), 1),
        loss: triple(c.losses.summary()),
      });
    }
  }
  const width = (get: (r: Row) => string | undefined) =>
    Math.max(0, ...rows.map((r) => (get(r) ?? "").length));
  const w = {
    name: width((r) => r.name),
    weight: width((r) => r.weight),
    feature: width((r) => r.feature),
    count: width((r) => r.count),
    countP: width((r) => r.countP),
    loss: [0, 1, 2].map((i) => width((r) => r.loss[i])),
    sim: [0, 1, 2].map((i) => width((r) => r.sim?.[i])),
  };
  return rows.map((r) => {
    let line =
      `${pad(r.name, w.name)} : ${pad(r.weight, w.weight)} x ${pad(r.feature, w.feature)} : ` +
      `count ${pad(r.count, w.count)} (${pad(r.countP, w.countP)}%) / ` +
      `loss ${pad(r.loss[0], w.loss[0])} (${pad(r.loss[1], w.loss[1])} - ${pad(r.loss[2], w.loss[2])})`;
    if (r.sim)
      line += ` / sim ${pad(r.sim[0], w.sim[0])} (${pad(r.sim[1], w.sim[1])} - ${pad(r.sim[2], w.sim[2])})`;
    return line;
  });
}

export interface BlockInfo {
  epoch: number;
  epochs: number;
  device: string;
  resolution: readonly number[];
  image: { mean: number[]; std: number[]; saturation: number[]; edgeMean: number[] };
  optimizer: string;
  learnrate: number;
  learnrateScale: number;
  loss: Summary;
}

/** The header lines of the statistics block; the target table follows `targets:`. */
export function formatStatsHeader(b: BlockInfo): string[] {
  const s = b.loss;
  return [
    `--- train step ${b.epoch + 1} / ${b.epochs} ---`,
    `device: ${b.device}`,
    `image: res [${b.resolution.join(", ")}], mean ${listStr(b.image.mean)}, std ${listStr(b.image.std)}, ` +
      `sat ${listStr(b.image.saturation)}, edge_mean ${listStr(b.image.edgeMean)}`,
    `learning: optim '${b.optimizer}', learnrate ${fixedStr(b.learnrate)} (scale ${fixedStr(b.learnrateScale)}), ` +
      `loss ${fixedStr(s.mean)} (${fixedStr(s.min)} - ${fixedStr(s.max)})`,
    "targets:",
  ];
}

/** The records as the API's event types. */
export function featureStats(targets: readonly TargetRecord[]): FeatureStats[] {
  return targets.flatMap((t) =>
    t.featuresEvaluated
      ? t.features.map((f, i) => ({
          target: t.index,
          targetName: t.name,
          feature: i,
          label: f.label,
          weight: f.weight,
          count: f.losses.count,
          countPercent: percent(f.losses.count, t.count),
          loss: f.losses.summary(),
          similarity: f.similarities.summary(),
        }))
      : [],
  );
}

export function constraintStats(targets: readonly TargetRecord[]): ConstraintStats[] {
  return targets.flatMap((t) =>
    t.constraints.map((c, i) => ({
      target: t.index,
      index: i,
      label: c.label,
      weight: c.weight,
      loss: c.losses.summary(),
    })),
  );
}
