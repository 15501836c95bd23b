/**
 * Chart series from per-epoch statistics rows. RunStat.data is JSON written by the run worker;
 * it may carry `similarities` (numbers, with optional `labels`) or EpochStats-style `features`
 * (`{ label, similarity: number | { mean } }`). Unknown shapes yield no feature lines, never a crash.
 */
export interface FeatureSeries {
  label: string;
  values: (number | null)[];
}

export interface StatSeries {
  epochs: number[];
  loss: number[];
  features: FeatureSeries[];
}

interface Row {
  epoch: number;
  loss: number;
  data: string;
}

type Sim = { label: string | null; value: number };

function similaritiesOf(data: string): Sim[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return [];
  }
  if (!parsed || typeof parsed !== "object") return [];
  const obj = parsed as Record<string, unknown>;
  if (Array.isArray(obj.similarities)) {
    const labels = Array.isArray(obj.labels) ? obj.labels : [];
    return obj.similarities.map((v, i) => ({
      label: typeof labels[i] === "string" ? (labels[i] as string) : null,
      value: typeof v === "number" ? v : NaN,
    }));
  }
  if (Array.isArray(obj.features)) {
    return obj.features.map((f) => {
      const feat = (f ?? {}) as Record<string, unknown>;
      const sim = feat.similarity;
      const value = typeof sim === "number" ? sim : typeof (sim as { mean?: unknown })?.mean === "number" ? (sim as { mean: number }).mean : NaN;
      return { label: typeof feat.label === "string" ? feat.label : null, value };
    });
  }
  return [];
}

/** Keeps at most `max` evenly spaced rows, always including the last one. */
export function downsample<T>(rows: T[], max: number): T[] {
  if (rows.length <= max) return rows;
  const step = rows.length / max;
  const out: T[] = [];
  for (let i = 0; i < max - 1; i++) out.push(rows[Math.floor(i * step)]);
  out.push(rows[rows.length - 1]);
  return out;
}

/** `labels` name features whose rows carry no label of their own (in feature order, target by target). */
export function seriesFrom(rows: Row[], labels: readonly string[] = [], max = 400): StatSeries {
  const kept = downsample([...rows].sort((a, b) => a.epoch - b.epoch), max);
  const features: FeatureSeries[] = [];
  kept.forEach((row, i) => {
    similaritiesOf(row.data).forEach((s, f) => {
      features[f] ??= { label: s.label ?? labels[f] ?? `feature ${f + 1}`, values: new Array<number | null>(kept.length).fill(null) };
      features[f].values[i] = Number.isFinite(s.value) ? s.value : null;
    });
  });
  return { epochs: kept.map((r) => r.epoch), loss: kept.map((r) => r.loss), features };
}

/** Feature labels from a snapshot's stored EpochStats JSON (`features[].label`), if any. */
export function labelsFromStats(json: string | null | undefined): string[] {
  try {
    const features = (JSON.parse(json ?? "{}") as { features?: { label?: unknown }[] }).features;
    return Array.isArray(features) ? features.map((f, i) => (typeof f?.label === "string" ? f.label : `feature ${i + 1}`)) : [];
  } catch {
    return [];
  }
}
