import { afterAll, beforeAll, describe, expect, it } from "vitest";
import sharp from "sharp";
import { db } from "../db/client";
import {
  createExperiment,
  share,
  signedIn,
  tabHeaders,
  tabSocket,
  tinyExperiment,
  useTempDatabase,
  type TabSocket,
} from "../collab/testing";
import type { FramePayload, RunState } from "../domain";
import { startStudioServer, type StudioServer } from "../studio-server";

/** The tiny random-weight CLIP at 32×32: real trainer, real worker thread, a few seconds per run. */
const experiment = (epochs: number) => tinyExperiment(epochs, 10);

const within = { timeout: 30_000, interval: 20 };
let server: StudioServer;
const sockets: TabSocket[] = [];

async function start() {
  return startStudioServer({
    port: 0,
    host: "127.0.0.1",
    handle: (_req, res) => res.end(),
    runs: { devices: ["cpu"], fps: 20, statsIntervalMs: 50 },
  });
}

/** A studio tab of a new user who may run the experiment: joins the room and records everything the room sends. */
async function tab(experimentId: string) {
  const user = await signedIn();
  await share(experimentId, user, "runner");
  const socket = tabSocket(server.port, tabHeaders(server.port, user.cookie));
  sockets.push(socket);
  const seen = {
    frames: [] as (FramePayload & { at: number })[],
    statuses: [] as RunState[],
    statsEpochs: [] as number[],
    done: [] as string[],
    errors: [] as string[],
  };
  socket.on("frame", (frame, ack) => {
    seen.frames.push({ ...frame, at: Date.now() });
    ack();
  });
  socket.on("status", ({ run }) => seen.statuses.push(run));
  socket.on("stats", ({ history }) => seen.statsEpochs.push(...history.map((h) => h.epoch)));
  socket.on("done", ({ url }) => seen.done.push(url));
  socket.on("error", ({ message }) => seen.errors.push(message));
  const joined = await socket.emitWithAck("room:join", { experimentId });
  if (!joined.ok) throw new Error(joined.message);
  return { socket, seen, joined: joined.state, joinedAt: Date.now() };
}

const lastStatus = (seen: { statuses: RunState[] }) => seen.statuses.at(-1)?.status;

beforeAll(async () => {
  await useTempDatabase();
  server = await start();
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await server.close();
});

describe("runs end to end (tiny-clip)", () => {
  it("streams frames and statistics to the room; a joiner mid-run gets the current frame at once", async () => {
    const id = await createExperiment(experiment(150));
    const a = await tab(id);
    const b = await tab(id);
    const started = await a.socket.emitWithAck("run:start", { experimentId: id, seed: 7 });
    expect(started.ok).toBe(true);
    if (!started.ok) return;
    expect(await b.socket.emitWithAck("run:start", { experimentId: id })).toMatchObject({
      ok: false,
      code: "busy",
    });

    await expect
      .poll(() => a.seen.statsEpochs.length > 0 && b.seen.frames.length > 0, within)
      .toBe(true);
    expect(await a.socket.emitWithAck("run:pause", { experimentId: id })).toEqual({ ok: true });
    await expect.poll(() => lastStatus(b.seen), within).toBe("paused");

    const c = await tab(id);
    expect(c.joined.run).toMatchObject({
      runId: started.runId,
      status: "paused",
      model: "tiny-clip",
    });
    expect(c.joined.history.length).toBeGreaterThan(0);
    expect(c.joined.stats?.features[0].label).toContain("pig");
    await expect.poll(() => c.seen.frames.length, { timeout: 2000, interval: 10 }).toBe(1);
    expect(c.seen.frames[0].at - c.joinedAt).toBeLessThan(1000);
    expect(c.seen.frames[0]).toMatchObject({
      runId: started.runId,
      width: 32,
      height: 32,
      mime: "image/webp",
    });
    expect((await sharp(Buffer.from(c.seen.frames[0].data as ArrayBuffer)).metadata()).format).toBe(
      "webp",
    );

    // Alt-U while paused: the trainer takes the edited text (no live document here: the row's YAML).
    const edited = experiment(150).replace("a pig in a tiny field", "a cow in a tiny field");
    await db().experiment.update({ where: { id }, data: { yaml: "epochs: [\n" } });
    expect(await a.socket.emitWithAck("run:update", { experimentId: id })).toMatchObject({
      ok: false,
      code: "invalid_experiment",
    });
    await db().experiment.update({ where: { id }, data: { yaml: edited } });
    expect(await a.socket.emitWithAck("run:update", { experimentId: id })).toMatchObject({
      ok: true,
    });
    expect((await db().run.findUniqueOrThrow({ where: { id: started.runId } })).yaml).toBe(edited);

    expect(await b.socket.emitWithAck("run:resume", { experimentId: id })).toEqual({ ok: true });
    await expect.poll(() => a.seen.done.length, within).toBe(1);
    for (const t of [a, b, c]) {
      await expect
        .poll(() => t.seen.done, within)
        .toEqual([`/api/images/${started.runId}/final.png`]);
      expect(lastStatus(t.seen)).toBe("done");
    }
    // Frames changed as the image was optimised, and both first tabs saw them.
    for (const t of [a, b])
      expect(new Set(t.seen.frames.map((f) => f.epoch)).size).toBeGreaterThan(1);
    expect(a.seen.statsEpochs.at(-1)).toBe(149);
    expect(c.seen.frames.length).toBeGreaterThan(1); // the late joiner keeps receiving

    const run = await db().run.findUniqueOrThrow({
      where: { id: started.runId },
      include: { stats: true, snapshots: true },
    });
    expect(run).toMatchObject({
      status: "done",
      seed: 7,
      model: "tiny-clip",
      epochs: 150,
      width: 32,
      height: 32,
    });
    expect(run.finishedAt).not.toBeNull();
    expect(run.stats.length).toBeGreaterThan(2);
    expect(run.snapshots.map((s) => s.epoch)).toContain(10);
    const res = await fetch(`http://127.0.0.1:${server.port}/api/images/${run.id}/final.png`);
    expect(res.status).toBe(200);
    expect((await sharp(Buffer.from(await res.arrayBuffer())).metadata()).width).toBe(32);
  });

  it("queues a second experiment behind the first on the one device, with its position", async () => {
    const first = await createExperiment(experiment(10_000));
    const second = await createExperiment(experiment(20));
    const a = await tab(first);
    const b = await tab(second);
    const one = await a.socket.emitWithAck("run:start", { experimentId: first });
    const two = await b.socket.emitWithAck("run:start", { experimentId: second });
    expect(one.ok && two.ok).toBe(true);
    await expect
      .poll(() => b.seen.statuses.find((s) => s.status === "queued")?.queuePosition, within)
      .toBe(1);
    await expect.poll(() => a.seen.statsEpochs.length > 0, within).toBe(true);
    expect(await a.socket.emitWithAck("run:stop", { experimentId: first })).toEqual({ ok: true });
    await expect.poll(() => lastStatus(a.seen), within).toBe("stopped");
    await expect.poll(() => b.seen.done.length, within).toBe(1);
    const stopped = await db().run.findFirstOrThrow({ where: { experimentId: first } });
    expect(stopped).toMatchObject({ status: "stopped", imagePath: null });
    expect(stopped.finishedAt).not.toBeNull();
    expect(a.seen.done).toEqual([]); // stopped is not done: no gallery render
    // The last pixels were kept as a snapshot, so it can continue where it stopped.
    const last = await db().snapshot.findFirstOrThrow({
      where: { runId: stopped.id },
      orderBy: { epoch: "desc" },
    });
    expect(last.epoch).toBeGreaterThanOrEqual(Math.max(...a.seen.statsEpochs));
  });

  it("marks runs interrupted by a restart and continues them from the last snapshot", async () => {
    const id = await createExperiment(experiment(80));
    const a = await tab(id);
    const started = await a.socket.emitWithAck("run:start", { experimentId: id });
    if (!started.ok) throw new Error(started.message);
    await expect.poll(() => a.seen.statsEpochs.some((e) => e >= 25), within).toBe(true);
    await a.socket.emitWithAck("run:pause", { experimentId: id }); // so it cannot finish before the restart
    await expect.poll(() => lastStatus(a.seen), within).toBe("paused");
    // A crashed process leaves its rows as they were: stand in for one with a second run row.
    const crashed = await db().run.create({
      data: {
        experimentId: id,
        yaml: experiment(5),
        model: "tiny-clip",
        seed: 1,
        status: "running",
        queuedAt: new Date(0),
      },
    });

    await server.close();
    server = await start();
    const rows = await db().run.findMany({ where: { id: { in: [started.runId, crashed.id] } } });
    expect(rows.map((r) => r.status)).toEqual(["interrupted", "interrupted"]);
    const snapshot = await db().snapshot.findFirstOrThrow({
      where: { runId: started.runId },
      orderBy: { epoch: "desc" },
    });
    expect(snapshot.epoch).toBeGreaterThanOrEqual(20);

    const b = await tab(id);
    expect(b.joined.run).toMatchObject({
      runId: started.runId,
      status: "interrupted",
      snapshotEpoch: snapshot.epoch,
    });
    await expect.poll(() => b.seen.frames.length, { timeout: 2000, interval: 10 }).toBe(1); // the snapshot, at once
    const continued = await b.socket.emitWithAck("run:continue", { experimentId: id });
    expect(continued).toEqual({ ok: true, runId: started.runId });
    await expect.poll(() => b.seen.done.length, within).toBe(1);
    expect(b.seen.statsEpochs[0]).toBeGreaterThan(snapshot.epoch);
    const run = await db().run.findUniqueOrThrow({ where: { id: started.runId } });
    expect(run).toMatchObject({ status: "done", epoch: 79 });
    const epochs = (
      await db().runStat.findMany({ where: { runId: run.id }, select: { epoch: true } })
    ).map((s) => s.epoch);
    expect(epochs).toEqual([...new Set(epochs)]); // continued, not duplicated
  });
});
