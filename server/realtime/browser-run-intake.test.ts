import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { browserRunIntake, DEFAULT_INTAKE_LIMITS, pngProblem } from "./browser-run-intake";

const png = async (width: number, height: number) =>
  new Uint8Array(
    await sharp({ create: { width, height, channels: 3, background: "#808080" } })
      .png()
      .toBuffer(),
  );

const stats = (epoch: number, extra: Record<string, unknown> = {}) => ({
  epoch,
  epochs: 40,
  loss: 0.8,
  learnrate: 1,
  epochsPerSecond: 12,
  elapsedMs: 100 * epoch,
  resolution: [64, 64],
  features: [{ label: "a curly spoon", similarity: 0.2, loss: 0.8 }],
  ...extra,
});

let frame64: Uint8Array;
beforeAll(async () => {
  frame64 = await png(64, 64);
});

describe("browser run intake", () => {
  it("accepts frames, statistics and the end of a run, in order", () => {
    const intake = browserRunIntake({ epochs: 40 });
    const f = intake.accept("browser:frame", { epoch: 0, width: 64, height: 64, png: frame64 });
    expect(f).toMatchObject({ ok: true, report: { kind: "frame", epoch: 0, width: 64 } });
    expect(intake.accept("browser:stats", stats(0))).toMatchObject({
      ok: true,
      report: { kind: "stats", loss: 0.8 },
    });
    const done = intake.accept("browser:done", { status: "done", epoch: 39, png: frame64 });
    expect(done).toMatchObject({ ok: true, report: { kind: "done", status: "done" } });
    expect(intake.accept("browser:stats", stats(39))).toMatchObject({ ok: false, code: "ended" });
  });

  it("refuses what is not a PNG of the declared size, or too big", async () => {
    const intake = browserRunIntake({ epochs: 40 });
    const frame = (p: Uint8Array, width = 64, height = 64) =>
      intake.accept("browser:frame", { epoch: 1, width, height, png: p });
    expect(frame(new TextEncoder().encode("<svg>not a png at all</svg>"))).toMatchObject({
      ok: false,
      code: "bad_request",
      message: "browser:frame: not a PNG",
    });
    expect(frame(frame64, 32, 64)).toMatchObject({
      message: "browser:frame: PNG of 64×64 declared as 32×64",
    });
    const huge = await png(2100, 8);
    expect(frame(huge, 2100, 8)).toMatchObject({ message: /2100×8 pixels \(at most 2048/ });
    const small = browserRunIntake(
      { epochs: 40 },
      { ...DEFAULT_INTAKE_LIMITS, maxFrameBytes: 100 },
    );
    expect(
      small.accept("browser:frame", { epoch: 1, width: 64, height: 64, png: frame64 }),
    ).toMatchObject({ ok: false, code: "bad_request" });
  });

  it("refuses epochs that go back or past the run, and statistics of another length", () => {
    const intake = browserRunIntake({ epochs: 40, from: 10 });
    expect(intake.accept("browser:stats", stats(9))).toMatchObject({
      message: "browser:stats: stats epoch 9 goes back (last 10)",
    });
    expect(intake.accept("browser:stats", stats(12))).toMatchObject({ ok: true });
    expect(intake.accept("browser:stats", stats(11))).toMatchObject({ ok: false });
    expect(intake.accept("browser:stats", stats(40))).toMatchObject({
      message: /epoch 40 is past the run's 40 epochs/,
    });
    expect(intake.accept("browser:stats", stats(13, { epochs: 41 }))).toMatchObject({
      message: /epochs 41 is not the run's 40/,
    });
  });

  it("refuses malformed statistics: non-finite numbers, extra keys, too many features", () => {
    const intake = browserRunIntake({ epochs: 40 });
    expect(intake.accept("browser:stats", stats(0, { loss: Number.NaN }))).toMatchObject({
      ok: false,
      message: /loss/,
    });
    expect(intake.accept("browser:stats", stats(0, { script: "x" }))).toMatchObject({ ok: false });
    const many = Array.from({ length: 65 }, () => ({ label: "x", similarity: 0, loss: 0 }));
    expect(intake.accept("browser:stats", stats(0, { features: many }))).toMatchObject({
      ok: false,
      message: /more than 64 items/,
    });
    expect(intake.accept("browser:eval", {})).toMatchObject({
      message: "unknown event 'browser:eval'",
    });
  });

  it("rate-limits frames per run and lets them through again as time passes", () => {
    let t = 0;
    const limits = { ...DEFAULT_INTAKE_LIMITS, frames: { perSecond: 2, burst: 2 } };
    const intake = browserRunIntake({ epochs: 1000 }, limits, () => t);
    const send = (epoch: number) =>
      intake.accept("browser:frame", { epoch, width: 64, height: 64, png: frame64 });
    expect(send(0).ok).toBe(true);
    expect(send(1).ok).toBe(true);
    expect(send(2)).toMatchObject({ ok: false, code: "rate_limited" });
    t += 500;
    expect(send(3).ok).toBe(true);
  });

  it("reads the size from the PNG header alone", () => {
    expect(pngProblem(frame64, null, { maxSide: 64 })).toBeNull();
    expect(pngProblem(frame64, null, { maxSide: 63 })).toMatch(/at most 63/);
  });
});
