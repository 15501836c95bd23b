// The admission pool with real worker threads (booted through tsx like in production): answers as
// `checkText` does, stops a check past its timeout by terminating its thread, refuses beyond its
// queue, and reads its settings from the environment.
import { afterAll, describe, expect, it } from "vitest";
import { AdmissionPool, admissionPoolSettingsFromEnv } from "./admission-pool";
import { DEFAULT_QUOTAS } from "./quotas";
import { checkText } from "./text-check";

const GOOD = `epochs: 20
init:
  image: upload:AAAAAAAAAAAAAAAAAAAAAA
targets:
  - name: pig
    features:
      - text: a pig
      - image: https://example.com/pig.png
`;
/** About 60 ms per evaluation, every epoch: minutes of work in all. */
const COSTLY = `epochs: 10000\nresolution:\n  - 32+0*(${Array.from(
  { length: 8 },
  (_, i) => `comb(9000+int(t),${4000 + i})`,
).join("+")})\n  - 32\ntargets:\n  - features: [{text: x}]\n`;
const unlimited = { ...DEFAULT_QUOTAS, admissionBudgetMs: 600_000 };

const pools: AdmissionPool[] = [];
const pool = (settings: Partial<AdmissionPool["settings"]> = {}) => {
  const p = new AdmissionPool({
    workers: 1,
    queue: 4,
    timeoutMs: 60_000,
    memoryMb: 128,
    ...settings,
  });
  pools.push(p);
  return p;
};
afterAll(() => Promise.all(pools.map((p) => p.close())));

describe("AdmissionPool", () => {
  it("answers in a thread exactly as checkText does in this one", async () => {
    const p = pool();
    const answer = await p.check(GOOD, DEFAULT_QUOTAS);
    expect(answer).toEqual(checkText(GOOD, DEFAULT_QUOTAS));
    expect(answer).toMatchObject({
      ok: true,
      config: {
        epochs: 20,
        targets: ["pig"],
        texts: ["a pig"],
        images: [
          { path: "init.image", at: { line: 3, column: 10 } },
          { path: "targets[0].features[1].image", at: { line: 8, column: 16 } },
        ],
      },
    });
    const broken = await p.check("epochs: [1, 2\n", DEFAULT_QUOTAS);
    expect(broken).toEqual(checkText("epochs: [1, 2\n", DEFAULT_QUOTAS));
    expect(broken.ok).toBe(false);
    expect(p.threadIds).toHaveLength(1);
  }, 60_000);

  it("a check past its timeout ends with a diagnostic and its thread is gone", async () => {
    // Long enough that the warm-up check never hits it on a loaded machine; COSTLY takes minutes.
    const p = pool({ timeoutMs: 1500 });
    await p.check(GOOD, DEFAULT_QUOTAS); // the thread is up
    const [thread] = p.threadIds;
    const t0 = performance.now();
    const answer = await p.check(COSTLY, unlimited);
    expect(performance.now() - t0).toBeLessThan(6500);
    expect(answer).toMatchObject({
      ok: false,
      diagnostics: [
        { line: 1, message: expect.stringContaining("took over 1.5 s and was stopped") },
      ],
    });
    expect(p.stopped).toBe(1);
    expect(p.threadIds).not.toContain(thread);
    // The next check gets a fresh thread.
    expect((await p.check(GOOD, DEFAULT_QUOTAS)).ok).toBe(true);
    expect(p.threadIds).toHaveLength(1);
    expect(p.threadIds).not.toContain(thread);
  }, 60_000);

  it("the budget ends a costly check first, with a diagnostic at the parameter", async () => {
    const p = pool();
    const answer = await p.check(COSTLY, { ...DEFAULT_QUOTAS, admissionBudgetMs: 300 });
    expect(answer).toMatchObject({
      ok: false,
      diagnostics: [
        {
          path: "resolution",
          line: 3,
          message: expect.stringContaining("budget of 300 ms per check"),
        },
      ],
    });
    expect(p.stopped).toBe(0);
  }, 60_000);

  it("refuses as busy beyond its queue", async () => {
    const p = pool({ queue: 1, timeoutMs: 2000 });
    await p.check(GOOD, DEFAULT_QUOTAS); // the thread is up and idle
    const running = p.check(COSTLY, unlimited);
    const waiting = p.check(GOOD, DEFAULT_QUOTAS);
    expect(await p.check(GOOD, DEFAULT_QUOTAS)).toMatchObject({
      ok: false,
      busy: true,
      diagnostics: [{ message: expect.stringContaining("busy") }],
    });
    expect((await running).ok).toBe(false);
    expect((await waiting).ok).toBe(true);
  }, 60_000);

  it("reads its settings from the environment, naming a bad variable", () => {
    expect(admissionPoolSettingsFromEnv({})).toEqual({
      workers: 2,
      queue: 32,
      timeoutMs: 10_000,
      memoryMb: 256,
    });
    expect(admissionPoolSettingsFromEnv({ CLIPIG_ADMISSION_WORKERS: "4" }).workers).toBe(4);
    expect(() => admissionPoolSettingsFromEnv({ CLIPIG_ADMISSION_TIMEOUT_MS: "soon" })).toThrow(
      /CLIPIG_ADMISSION_TIMEOUT_MS must be a whole number/,
    );
  });
});
