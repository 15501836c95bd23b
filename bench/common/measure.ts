/** Timing and summaries for the benches that measure latencies across processes. */

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes. */
export const clock = () => performance.timeOrigin + performance.now();

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Two decimals: enough for milliseconds and ratios in a JSON report. */
export const round = (x: number) => Math.round(x * 100) / 100;

/** The `p`th percentile (nearest rank, 0 = min, 100 = max); NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);
}

export const summary = (values: readonly number[]) => ({
  min: percentile(values, 0),
  p50: percentile(values, 50),
  p95: percentile(values, 95),
  max: percentile(values, 100),
  n: values.length,
});
