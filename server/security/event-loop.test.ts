/**
 * Attacker suite: costly work stays off the web server's event loop. Experiments whose expressions
 * cost ~60–120 ms per evaluation (each within the expression language's step limit) are sent
 * through the anonymous views route and `run:start` while `/healthz` is probed every 25 ms and the
 * event-loop delay is sampled (`monitorEventLoopDelay`; the server shares this process). Before the
 * admission pool and the render processes, one such request blocked the loop for seconds to
 * minutes; now the loop keeps answering, the check ends at its budget with a diagnostic at the
 * parameter, a check past its timeout loses its thread, and a render past its timeout loses its
 * process. Other rooms' documents and runs stay as they were.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExperiment } from "../collab/testing";
import { db } from "../db/client";
import { DEFAULT_QUOTAS } from "../limits";
import { AdmissionPool } from "../limits/admission-pool";
import { ViewsRenderer } from "../api/views-process";
import { crashCounter, startHarness, type Client, type Harness } from "./testing/harness";

const BUDGET_MS = 500;
/** The timeout of the pool the hung check meets (the other one has the default, 10 s). */
const CHECK_TIMEOUT_MS = 1000;
const RENDER_TIMEOUT_MS = 5000;
/**
 * Beyond the budget: the parse (its one validation per expression is not metered by the budget),
 * handing over and answering, on two busy cores. Without the budget the walk alone takes ≥ 6 s.
 */
const SLACK_MS = 4000;

/** Eight `comb`s: ~88 000 of the 100 000 steps one evaluation may take, ~60 ms or more. */
const COSTLY = `0*(${Array.from({ length: 8 }, (_, i) => `comb(9000+int(t),${4000 + i})`).join("+")})`;
/** The resolution costs one such evaluation per epoch: ~100 epochs × ≥60 ms without a budget. */
const COSTLY_RESOLUTION = `model: tiny-clip\nepochs: 100\nresolution:\n  - 32+${COSTLY}\n  - 32\ntargets:\n  - features:\n      - text: a pig\n`;
/** 230 targets, each with a costly weight: the parse alone (one validation each) takes seconds. */
const COSTLY_PARSE = `model: tiny-clip\nepochs: 10\nresolution: 32\ntargets:\n${Array.from(
  { length: 230 },
  () => `  - weight: ${COSTLY}\n    features: [{text: x}]\n`,
).join("")}`;
/** 32 rotated views of a 1024² image: tens of seconds of rendering. */
const COSTLY_RENDER = `model: tiny-clip\nresolution: 1024\ntargets:\n  - batch_size: 32\n    features: [{text: x}]\n    transforms:\n      - random_rotate:\n          degree: [-30, 30]\n`;
const PLAIN = `model: tiny-clip\nresolution: 16\ntargets:\n  - features:\n      - text: a plain pig\n`;

const pool = new AdmissionPool({ workers: 2, queue: 8, timeoutMs: 10_000, memoryMb: 256 });
const strict = new AdmissionPool({
  workers: 1,
  queue: 8,
  timeoutMs: CHECK_TIMEOUT_MS,
  memoryMb: 256,
});
/** The pool the server's admissions go to (one test swaps in the strict one). */
let admissions = pool;
const renderer = new ViewsRenderer({ processes: 1, queue: 2, timeoutMs: RENDER_TIMEOUT_MS });
const crashes = crashCounter();
const figures: Record<string, unknown> = {};
let tried = 0;
let rejected = 0;
let h: Harness;
let runner: Client;
let plainId: string;
let before: unknown;

/** What other rooms hold: must not change under any attack here. */
const otherRooms = async () => ({
  experiment: await db().experiment.findUnique({
    where: { id: h.privateId },
    select: { yaml: true, updatedAt: true },
  }),
  runs: await db().run.findMany({ where: { experimentId: h.privateId } }),
});

const ms = (ns: number) => Math.round(ns / 1e5) / 10;
const sleep = (t: number) => new Promise((resolve) => setTimeout(resolve, t));

/** Runs `attack` while probing /healthz and sampling the event-loop delay; returns both. */
async function watched<T>(attack: () => Promise<T>) {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  const latencies: number[] = [];
  let done = false;
  loop.enable();
  const probing = (async () => {
    while (!done) {
      const t0 = performance.now();
      const res = await fetch(`${h.base}/healthz`);
      await res.arrayBuffer();
      latencies.push(performance.now() - t0);
      if (res.status !== 200) throw new Error(`/healthz answered ${res.status}`);
      await sleep(25);
    }
  })();
  try {
    const result = await attack();
    done = true;
    await probing;
    return {
      result,
      health: {
        probes: latencies.length,
        healthzMaxMs: Math.round(Math.max(...latencies)),
        loopP50Ms: ms(loop.percentile(50)),
        loopP99Ms: ms(loop.percentile(99)),
        loopMaxMs: ms(loop.max),
      },
    };
  } finally {
    done = true;
    loop.disable();
  }
}

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await work;
  return { value, ms: Math.round(performance.now() - t0) };
}

const views = (id: string) => h.http(`/api/experiments/${id}/views?target=0`);
const setText = (yaml: string) =>
  db().experiment.update({ where: { id: h.publicId }, data: { yaml } });

beforeAll(async () => {
  h = await startHarness({
    admission: {
      quotas: { ...DEFAULT_QUOTAS, admissionBudgetMs: BUDGET_MS },
      check: (yaml, quotas) => admissions.check(yaml, quotas),
    },
    server: {
      api: { views: { renderer, rate: { perSecond: 100, burst: 100 } } },
      sockets: { runRate: { burst: 100, perSecond: 100 }, rate: { burst: 1000, perSecond: 1000 } },
    },
  });
  runner = h.socket(h.callers.runner);
  expect(await runner.emitWithAck("room:join", { experimentId: h.publicId })).toMatchObject({
    ok: true,
  });
  plainId = await createExperiment(PLAIN, {
    visibility: "public",
    ownerId: h.callers.owner!.identity.id,
  });
  // Warm: both admission threads and the render process have booted (boot time is not the attack).
  expect((await views(plainId)).status).toBe(200);
  await Promise.all([pool, pool, strict].map((p) => p.check(PLAIN, DEFAULT_QUOTAS)));
  before = await otherRooms();
}, 120_000);

afterAll(async () => {
  const after = h ? await otherRooms() : null;
  await h?.close();
  await Promise.all([pool.close(), strict.close(), renderer.close()]);
  crashes.stop();
  console.log(
    `[security figures] ${JSON.stringify({ suite: "costly work off the event loop", tried, rejected, accepted: tried - rejected, crashes: crashes.count, ...figures })}`,
  );
  expect(after).toEqual(before);
  expect(crashes.count).toBe(0);
});

describe("costly work never blocks the web server's event loop", () => {
  it("an anonymous views request and a run:start of a costly resolution end at the budget while /healthz answers", async () => {
    await setText(COSTLY_RESOLUTION);
    const { result, health } = await watched(() =>
      Promise.all([
        timed(views(h.publicId)),
        timed(runner.emitWithAck("run:start", { experimentId: h.publicId })),
        timed(views(plainId)), // a views render in the meantime
      ]),
    );
    const [anonymous, start, render] = result;
    tried += 3;

    expect(anonymous.value.status).toBe(400);
    const refused = (await anonymous.value.json()) as {
      error: { code: string; diagnostics: { path: string; line: number; message: string }[] };
    };
    expect(refused.error.code).toBe("invalid_experiment");
    for (const diagnostics of [
      refused.error.diagnostics,
      start.value.ok ? [] : start.value.diagnostics,
    ]) {
      expect(diagnostics).toEqual([
        expect.objectContaining({
          path: "resolution",
          line: 4,
          message: expect.stringContaining(`budget of ${BUDGET_MS} ms per check`),
        }),
      ]);
    }
    expect(start.value).toMatchObject({ ok: false, code: "invalid_experiment" });
    rejected += 2;
    expect(render.value.status).toBe(200);
    expect(render.value.headers.get("content-type")).toBe("image/png");

    figures.costlyAdmission = {
      viewsMs: anonymous.ms,
      runStartMs: start.ms,
      renderMs: render.ms,
      ...health,
    };
    expect(anonymous.ms).toBeLessThan(BUDGET_MS + SLACK_MS);
    expect(start.ms).toBeLessThan(BUDGET_MS + SLACK_MS);
    expect(health.probes).toBeGreaterThan(3);
    expect(health.healthzMaxMs).toBeLessThan(1000);
    expect(health.loopMaxMs).toBeLessThan(1000);
  }, 60_000);

  it("a check past its timeout ends with a diagnostic, and its thread is gone", async () => {
    await setText(COSTLY_PARSE);
    admissions = strict;
    const threads = strict.threadIds;
    const { result, health } = await watched(() =>
      timed(runner.emitWithAck("run:start", { experimentId: h.publicId })),
    ).finally(() => (admissions = pool));
    tried++;
    expect(result.value).toMatchObject({
      ok: false,
      diagnostics: [
        expect.objectContaining({
          line: 1,
          message: expect.stringContaining(
            `took over ${CHECK_TIMEOUT_MS / 1000} s and was stopped`,
          ),
        }),
      ],
    });
    rejected++;
    expect(result.ms).toBeLessThan(CHECK_TIMEOUT_MS + SLACK_MS);
    expect(strict.stopped).toBe(1);
    expect(threads).toHaveLength(1);
    expect(strict.threadIds).not.toContain(threads[0]);
    // The next admission runs (a fresh thread takes the stopped one's place).
    expect((await strict.check(PLAIN, DEFAULT_QUOTAS)).ok).toBe(true);
    expect(strict.threadIds).toHaveLength(1);
    figures.hungCheck = { runStartMs: result.ms, ...health };
    expect(health.healthzMaxMs).toBeLessThan(1000);
    expect(health.loopMaxMs).toBeLessThan(1000);
  }, 60_000);

  it("a views render past its timeout answers 503, and its process is gone", async () => {
    await setText(COSTLY_RENDER);
    const [pid] = renderer.pids;
    const { result, health } = await watched(() => timed(views(h.publicId)));
    tried++;
    expect(result.value.status).toBe(503);
    expect(await result.value.json()).toMatchObject({
      error: { code: "views_timeout", message: expect.stringContaining("was stopped") },
    });
    rejected++;
    expect(result.ms).toBeLessThan(RENDER_TIMEOUT_MS + SLACK_MS);
    expect(renderer.pids).not.toContain(pid);
    expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
    // The next render gets a fresh process.
    expect((await views(plainId)).status).toBe(200);
    figures.hungRender = { viewsMs: result.ms, ...health };
    expect(health.healthzMaxMs).toBeLessThan(1000);
    expect(health.loopMaxMs).toBeLessThan(1000);
  }, 90_000);
});
