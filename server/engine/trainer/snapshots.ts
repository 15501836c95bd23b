// When to take a snapshot, as CLIPig's loop decides it (defgsus/clipig
// src/training.py:309,509-519): at
// epoch 0 and the last epoch, and every `snapshot_interval` epochs (int) or seconds (float) since the
// last one; an interval of 0 disables snapshots. The epoch count starts at 0 also when a run starts
// later (`start_epoch`, a resumed run), so such a run's first snapshot is the first epoch at least one
// interval after 0, not its first epoch.
import type { SnapshotInterval } from "../../../lib/experiment/config";

export class SnapshotClock {
  private lastEpoch = 0;
  private lastTime = -Infinity;

  constructor(
    private readonly interval: SnapshotInterval,
    private readonly epochs: number,
  ) {}

  /** Whether `epoch` (ending at `nowMs`) takes a snapshot; records it when it does. */
  due(epoch: number, nowMs: number): boolean {
    if (this.interval.value <= 0) return false;
    let take = epoch === 0 || epoch === this.epochs - 1;
    if (this.interval.unit === "epochs") take ||= epoch - this.lastEpoch >= this.interval.value;
    else take ||= nowMs - this.lastTime >= this.interval.value * 1000;
    if (take) {
      this.lastEpoch = epoch;
      this.lastTime = nowMs;
    }
    return take;
  }
}
