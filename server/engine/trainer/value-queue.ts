// CLIPig's statistics container (`ValueQueue`, defgsus/clipig src/training.py:806-837): the last 30
// values plus a count of "counted" appends.
import type { Summary } from "./api";

export const QUEUE_LENGTH = 30;

export class ValueQueue {
  private readonly values: number[] = [];
  /** Appends that were counted (a feature's loss is counted when the feature was applied). */
  count = 0;

  constructor(readonly capacity = QUEUE_LENGTH) {}

  append(value: number, counted = true): void {
    this.values.push(value);
    if (this.values.length > this.capacity) this.values.shift();
    if (counted) this.count++;
  }

  get length(): number {
    return this.values.length;
  }

  get last(): number | undefined {
    return this.values[this.values.length - 1];
  }

  /** Mean, min and max over the stored values; all 0 when empty. */
  summary(): Summary {
    const n = this.values.length;
    if (n === 0) return { mean: 0, min: 0, max: 0 };
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const v of this.values) {
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    return { mean: sum / n, min, max };
  }
}
