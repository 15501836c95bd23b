// When to take a snapshot (spec §8.9): at the first and the last epoch, and every `snapshot_interval`
// epochs (int) or seconds (float); an interval of 0 disables snapshots.
import type { SnapshotInterval } from "../../../lib/experiment/config";

export class SnapshotClock {
  private lastEpoch: number;
  private lastTime = -Infinity;

  constructor(
    private readonly interval: SnapshotInterval,
    private readonly firstEpoch: number,
    private readonly epochs: number,
  ) {
    this.lastEpoch = firstEpoch;
  }

  /** Whether `epoch` (ending at `nowMs`) takes a snapshot; records it when it does. */
  due(epoch: number, nowMs: number): boolean {
    if (this.interval.value <= 0) return false;
    let take = epoch === this.firstEpoch || epoch === this.epochs - 1;
    if (this.interval.unit === "epochs") take ||= epoch - this.lastEpoch >= this.interval.value;
    else take ||= nowMs - this.lastTime >= this.interval.value * 1000;
    if (take) {
      this.lastEpoch = epoch;
      this.lastTime = nowMs;
    }
    return take;
  }
}
