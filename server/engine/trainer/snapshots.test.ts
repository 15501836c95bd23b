import { describe, expect, it } from "vitest";
import { SnapshotClock } from "./snapshots";

const epochsTaken = (clock: SnapshotClock, epochs: number, msPerEpoch: number, first = 0) =>
  Array.from({ length: epochs - first }, (_, i) => first + i).filter((e) =>
    clock.due(e, e * msPerEpoch),
  );

describe("SnapshotClock", () => {
  it("takes the first, the last and every N-th epoch for an int interval", () => {
    expect(epochsTaken(new SnapshotClock({ unit: "epochs", value: 4 }, 11), 11, 1)).toEqual([
      0, 4, 8, 10,
    ]);
  });

  it("measures a float interval in seconds", () => {
    // 300 ms per epoch, every 1 s: 0, 1.2 s, 2.4 s, … and the last epoch.
    expect(epochsTaken(new SnapshotClock({ unit: "seconds", value: 1 }, 10), 10, 300)).toEqual([
      0, 4, 8, 9,
    ]);
  });

  it("is off for an interval of 0", () => {
    expect(epochsTaken(new SnapshotClock({ unit: "epochs", value: 0 }, 5), 5, 1)).toEqual([]);
    expect(epochsTaken(new SnapshotClock({ unit: "seconds", value: 0 }, 5), 5, 1)).toEqual([]);
  });

  it("counts from epoch 0 in a run that starts later, as CLIPig's loop does", () => {
    expect(epochsTaken(new SnapshotClock({ unit: "epochs", value: 3 }, 12), 12, 1, 5)).toEqual([
      5, 8, 11,
    ]);
    expect(epochsTaken(new SnapshotClock({ unit: "epochs", value: 5 }, 12), 12, 1, 2)).toEqual([
      5, 10, 11,
    ]);
  });
});
