import { describe, it, expect } from "vitest";
import { isActiveAt, resolveFrameTime, timeAt } from "./frame-time";
import type { FrameTime } from "./config";

const epoch = (value: number): FrameTime => ({ unit: "epoch", value });
const fraction = (value: number): FrameTime => ({ unit: "fraction", value });

describe("frame times (CLIPig's _check_start_end)", () => {
  it("t runs from 0 at the first epoch to exactly 1 at the last", () => {
    expect([timeAt(0, 500), timeAt(499, 500), timeAt(0, 1)]).toEqual([0, 1, 0]);
  });

  it("start: 30% of 500 epochs first activates epoch 150", () => {
    expect(resolveFrameTime(fraction(0.3), 500)).toBe(150);
    expect(isActiveAt(fraction(0.3), fraction(1), 149, 500)).toBe(false);
    expect(isActiveAt(fraction(0.3), fraction(1), 150, 500)).toBe(true);
  });

  it("int = epoch index, both bounds inclusive; `end: 1` means epochs 0 and 1 only", () => {
    expect(resolveFrameTime(epoch(7), 100)).toBe(7);
    expect([0, 1, 2].map((e) => isActiveAt(fraction(0), epoch(1), e, 100))).toEqual([
      true,
      true,
      false,
    ]);
    expect([98, 99].map((e) => isActiveAt(fraction(0), fraction(1), e, 100))).toEqual([true, true]);
  });

  it("agrees with isActiveAt for many fractions", () => {
    for (const epochs of [1, 2, 3, 10, 300, 499, 500]) {
      for (const f of [0, 0.1, 0.25, 0.3, 1 / 3, 0.5, 0.7, 0.999, 1, 30]) {
        const first = resolveFrameTime(fraction(f), epochs, "start");
        const last = resolveFrameTime(fraction(f), epochs, "end");
        for (let e = 0; e < epochs; e++) {
          expect(
            isActiveAt(fraction(f), fraction(Infinity), e, epochs),
            `${f} ${epochs} ${e}`,
          ).toBe(e >= first);
          expect(isActiveAt(fraction(-1), fraction(f), e, epochs), `${f} ${epochs} ${e}`).toBe(
            e <= last,
          );
        }
      }
    }
  });
});
