import { describe, expect, it } from "vitest";
import { appendPoints } from "./use-room";

const p = (epoch: number) => ({ epoch, loss: 10 - epoch, similarities: [epoch / 10] });

describe("appendPoints", () => {
  it("appends in order, replaces a repeated epoch, restarts when epochs go back", () => {
    expect(appendPoints([p(0)], [p(1), p(2)]).map((x) => x.epoch)).toEqual([0, 1, 2]);
    expect(appendPoints([p(0), p(1)], [{ ...p(1), loss: 42 }]).map((x) => x.loss)).toEqual([
      10, 42,
    ]);
    expect(appendPoints([p(5), p(6)], [p(0), p(1)]).map((x) => x.epoch)).toEqual([0, 1]);
  });

  it("thins old points past the cap but keeps the newest", () => {
    let h = [p(0)];
    for (let e = 1; e < 2500; e++) h = appendPoints(h, [p(e)]);
    expect(h.length).toBeLessThanOrEqual(2000);
    expect(h.at(-1)!.epoch).toBe(2499);
    expect(h[0].epoch).toBe(0);
  });
});
