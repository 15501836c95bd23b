/**
 * Attacker suite: YAML alias bombs through the real channels (finding 10.3). An owner stores a
 * document of 14 000 aliases in 42 KB — under the 64 KiB text quota — in a public experiment; then
 * an anonymous visitor asks for its views and a runner starts it. Resolving aliases once per alias
 * scanned the whole document each time (11.6 s of a blocked server per request); now each request
 * ends quickly in the node-cap diagnostic (or, under the cap, the walk's own), while `/healthz`
 * keeps answering and another room works.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../db/client";
import { crashCounter, startRunnerHarness, type Client, type Harness } from "./testing/harness";
import { watchHealthz } from "./watch";

let h: Harness;
let runner: Client;
const crashes = crashCounter();
const figures: Record<string, number> = {};
/** Generous for 2 busy cores: the fixed reader answers in 0.2–4 s there, the old one took 23 s and > 60 s. */
const ANSWER_MS = 8000;
const HEALTHZ_MS = 2000;

/** A document with `n` aliases of one anchor, as the finding sent it. */
const bomb = (n: number) =>
  `model: tiny-clip\nepochs: 5\nresolution: 32\nx: &a a\ny: [${Array(n).fill("*a").join(",")}]\n` +
  "targets:\n  - features:\n      - text: a pig\n";

/** Polls /healthz back to back while `attack` runs; the slowest answer and the loop's worst delay. */
async function underAttack<T>(attack: () => Promise<T>) {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const health = watchHealthz(h.base, 20);
  const t0 = performance.now();
  const result = await attack();
  const ms = performance.now() - t0;
  const { slowest, answered } = await health.stop();
  loop.disable();
  return { result, ms, slowest, answered, loopMaxMs: loop.max / 1e6 };
}

beforeAll(async () => {
  ({ h, runner } = await startRunnerHarness());
  // warm the route and admission (first-use imports) so the figures measure the aliases
  await db().experiment.update({ where: { id: h.publicId }, data: { yaml: "epochs: [\n" } });
  expect((await h.http(`/api/experiments/${h.publicId}/views`)).status).toBe(400);
  expect(await runner.emitWithAck("run:start", { experimentId: h.publicId })).toMatchObject({
    ok: false,
  });
});

afterAll(() => h.finish(crashes, { suite: "YAML alias bombs (views + run:start)", ...figures }));

describe("alias bombs end quickly in a diagnostic; the server keeps answering", () => {
  for (const [aliases, message] of [
    [14_000, /too large after expanding aliases \(more than 20000 nodes\)/],
    [9_000, /unknown parameter 'x'/], // under the node cap: the whole document is walked
  ] as const) {
    it(`${aliases} aliases: anonymous views and run:start`, async () => {
      const yaml = bomb(aliases);
      expect(Buffer.byteLength(yaml)).toBeLessThan(64 * 1024);
      await db().experiment.update({ where: { id: h.publicId }, data: { yaml } });
      const runsBefore = await db().run.count();
      const privateBefore = await db().experiment.findUniqueOrThrow({
        where: { id: h.privateId },
      });

      const views = await underAttack(async () => {
        const res = await h.http(`/api/experiments/${h.publicId}/views?target=0`);
        return { status: res.status, body: (await res.json()) as { error: { message: string } } };
      });
      expect(views.result.status).toBe(400);
      expect(JSON.stringify(views.result.body)).toMatch(message);

      const start = await underAttack(async () => {
        const res = await runner.emitWithAck("run:start", { experimentId: h.publicId });
        // another room keeps working meanwhile
        const other = h.socket(h.callers.viewer);
        const joined = await other.emitWithAck("room:join", { experimentId: h.privateId });
        other.close();
        return { res, joined };
      });
      expect(start.result.res).toMatchObject({ ok: false, code: "invalid_experiment" });
      expect(JSON.stringify(start.result.res)).toMatch(message);
      expect(start.result.joined).toMatchObject({ ok: true });

      for (const [what, m] of [
        ["views", views],
        ["run:start", start],
      ] as const) {
        expect(m.ms, `${what} answered`).toBeLessThan(ANSWER_MS);
        expect(m.slowest, `${what}: slowest /healthz`).toBeLessThan(HEALTHZ_MS);
        expect(m.answered, `${what}: /healthz answered meanwhile`).toBeGreaterThan(0);
      }
      expect(await db().run.count()).toBe(runsBefore);
      expect(await db().experiment.findUniqueOrThrow({ where: { id: h.privateId } })).toEqual(
        privateBefore,
      );
      Object.assign(figures, {
        [`aliases${aliases}Bytes`]: Buffer.byteLength(yaml),
        [`aliases${aliases}ViewsMs`]: Math.round(views.ms),
        [`aliases${aliases}RunStartMs`]: Math.round(start.ms),
        [`aliases${aliases}SlowestHealthzMs`]: Math.round(Math.max(views.slowest, start.slowest)),
        [`aliases${aliases}EventLoopMaxMs`]: Math.round(Math.max(views.loopMaxMs, start.loopMaxMs)),
      });
    });
  }
});
