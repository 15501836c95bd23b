/**
 * Attacker suite: a run whose size grows only where admission does not look (finding 10.4).
 * Admission evaluates transform chains at 66 of 160 epochs; `resize: 32+7968*(epoch==151)` is
 * 32 px at all of them and 8000 px at epoch 151. The trainer checks the same quotas at every
 * epoch before it allocates: the run ends with an error naming `resize` and epoch 151, the run
 * worker's memory stays flat, `/healthz` answers throughout and the worker serves the next run.
 */
import { readFileSync, readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../db/client";
import { crashCounter, startRunnerHarness, type Client, type Harness } from "./testing/harness";
import { watchHealthz } from "./watch";

let h: Harness;
let runner: Client;
const crashes = crashCounter();
const figures: Record<string, number | string> = {};

const experiment = (resize: string, epochs = 160) =>
  `model: tiny-clip\nepochs: ${epochs}\nresolution: 32\nsnapshot_interval: 0\ntargets:\n` +
  `  - features:\n      - text: a pig\n    transforms:\n      - resize: ${resize}\n`;

/** The run worker: this process's child running `runs/worker.ts` (Linux /proc). */
function workerPid(): number | null {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (ppid === process.pid && cmd.includes("worker.ts")) return Number(entry);
    } catch {
      // the process ended meanwhile
    }
  }
  return null;
}

/** Peak resident memory of a process, MB. */
const peakMb = (pid: number) =>
  Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;

/** Starts the public experiment with `yaml` and waits for the run to end; polls /healthz meanwhile. */
async function runToEnd(yaml: string) {
  await db().experiment.update({ where: { id: h.publicId }, data: { yaml } });
  const health = watchHealthz(h.base, 50);
  const started = await runner.emitWithAck("run:start", { experimentId: h.publicId });
  expect(started).toMatchObject({ ok: true });
  const runId = (started as { runId: string }).runId;
  for (;;) {
    const row = await db().run.findUniqueOrThrow({ where: { id: runId } });
    if (["done", "error", "stopped"].includes(row.status))
      return { row, slowest: (await health.stop()).slowest };
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  ({ h, runner } = await startRunnerHarness());
});

afterAll(() => h.finish(crashes, { suite: "run limits at every epoch", ...figures }));

describe("the trainer enforces the quotas at every epoch", () => {
  it("resize: 32+7968*(epoch==151) passes admission and ends at epoch 151 naming resize", async () => {
    const privateBefore = await db().experiment.findUniqueOrThrow({ where: { id: h.privateId } });
    // the same run at a constant 32 px first: the worker's memory with the model loaded and a run done
    const control = await runToEnd(experiment("32"));
    expect(control.row.status).toBe("done");
    const pid = workerPid();
    expect(pid).not.toBeNull();
    const baseline = peakMb(pid!);

    const attack = await runToEnd(experiment("32+7968*(epoch==151)"));
    expect(attack.row.status).toBe("error");
    expect(attack.row.error).toBe(
      "targets[0].transforms[0].resize at epoch 151 makes a 8000×8000 px view; " +
        "the limit is 1024 px per side (CLIPIG_MAX_RESOLUTION)",
    );
    expect(attack.row.epoch).toBeLessThanOrEqual(151);
    // one 8000² float32 RGB view alone is 768 MB; the finding's worker grew 800 MB
    const grown = peakMb(pid!) - baseline;
    expect(grown).toBeLessThan(200);
    expect(attack.slowest).toBeLessThan(2000);

    // the same worker serves the next run; other rooms' data is untouched
    const next = await runToEnd(experiment("64", 4));
    expect(next.row.status).toBe("done");
    expect(workerPid()).toBe(pid);
    expect(await db().experiment.findUniqueOrThrow({ where: { id: h.privateId } })).toEqual(
      privateBefore,
    );
    Object.assign(figures, {
      error: attack.row.error ?? "",
      workerPeakMb: Math.round(baseline),
      workerPeakGrowthMb: Math.round(grown),
      slowestHealthzMs: Math.round(Math.max(control.slowest, attack.slowest, next.slowest)),
    });
  });

  it("the views route refuses the same spike at the time it is asked for (anonymous caller)", async () => {
    await db().experiment.update({
      where: { id: h.publicId },
      data: { yaml: experiment("32+7968*(epoch==151)") },
    });
    const view = (at: number) => h.http(`/api/experiments/${h.publicId}/views?target=0&at=${at}`);
    const spiked = await view(151 / 159);
    const said = await spiked.text();
    expect(spiked.status, said).toBe(400);
    expect(said).toContain(
      "targets[0].transforms[0].resize at epoch 151 makes a 8000×8000 px view",
    );
    const fine = await view(0);
    expect(fine.status, await fine.clone().text()).toBe(200);
    expect(fine.headers.get("content-type")).toBe("image/png");
    expect((await fetch(`${h.base}/healthz`)).status).toBe(200);
  });
});
