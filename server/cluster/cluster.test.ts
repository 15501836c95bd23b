/**
 * The cluster on this machine: PostgreSQL + Redis + two web nodes (child processes, different
 * ports) + GPU workers (child processes, tiny-clip on the CPU). Clients on node A reach it through
 * a TCP balancer, so when A dies they reconnect to B as they would behind a real load balancer.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExperiment, signedIn, tabHeaders, tabSocket, yjsTab } from "../collab/testing";
import { db } from "../db/client";
import type { FramePayload, RunState } from "../domain";
import { balancer, startChild, startWebNode, type Child } from "./testing/processes";
import { testServices, TEST_REDIS_URL, tinyExperiment } from "./testing/services";

const experiment = tinyExperiment(600, 20);
const within = { timeout: 30_000, interval: 25 };
const services = testServices();
const prefix = services.prefix;
const children: Child[] = [];
const closers: (() => unknown)[] = [];
let env: Record<string, string>;

async function webNode(name: string) {
  const node = await startWebNode(name, env);
  children.push(node.child);
  return node;
}

function gpuWorker(name: string) {
  const child = startChild(name, "server/worker/main.ts", ["--device", "cpu", "--id", name], env);
  children.push(child);
  return child;
}

/** A studio tab: a Yjs editor and a Socket.IO room member, both through `port`, rejoining after reconnects. */
function tab(port: number, experimentId: string, cookie: string) {
  const headers = tabHeaders(port, cookie); // a page of the studio, as the browser sends it
  const { doc, text, provider } = yjsTab(port, experimentId, headers, { maxBackoffTime: 300 });
  const socket = tabSocket(port, headers, { reconnectionDelay: 100, reconnectionDelayMax: 300 });
  const seen = {
    frames: [] as FramePayload[],
    statuses: [] as RunState[],
    done: [] as string[],
    joins: 0,
  };
  socket.on("connect", () => {
    void socket.emitWithAck("room:join", { experimentId }).then((r) => r.ok && seen.joins++);
  });
  socket.on("frame", (frame, ack) => {
    seen.frames.push(frame);
    ack();
  });
  socket.on("status", ({ run }) => seen.statuses.push(run));
  socket.on("done", ({ runId }) => seen.done.push(runId));
  closers.push(
    () => provider.destroy(),
    () => socket.close(),
  );
  return { doc, text, provider, socket, seen };
}

beforeAll(async () => {
  await services.start();
  env = {
    DATABASE_URL: services.databaseUrl,
    REDIS_URL: TEST_REDIS_URL,
    CLIPIG_REDIS_PREFIX: prefix,
    CLIPIG_DATA_DIR: mkdtempSync(path.join(tmpdir(), "clipig-cluster-")),
    CLIPIG_FRAME_FPS: "20",
    CLIPIG_FRAME_FORMAT: "png",
    CLIPIG_WORKER_LOCK_MS: "1500",
    CLIPIG_METRICS_TOKEN: "cluster-test-metrics-token",
  };
}, 30_000);

afterAll(async () => {
  for (const close of closers) close();
  await Promise.all(children.map((c) => c.kill()));
  await services.stop();
}, 30_000);

describe("cluster: two web nodes, one queue, GPU workers", () => {
  it("co-edits across nodes, streams a worker's run to both, survives losing a node, a worker and a deploy", async () => {
    const [a, b] = await Promise.all([webNode("node-a"), webNode("node-b")]);
    const lb = await balancer([a.port, b.port]); // prefers A while it is up
    closers.push(() => void lb.close());
    const [ann, ben] = await Promise.all([signedIn("ann"), signedIn("ben")]);
    const id = await createExperiment(experiment, {
      ownerId: ann.identity.id,
      members: { [ben.identity.id]: "editor" },
    });
    const onA = tab(lb.port, id, ann.cookie);
    const onB = tab(b.port, id, ben.cookie);

    // Co-editing through different nodes, presence included.
    await expect.poll(() => onA.text.length > 0 && onB.text.length > 0, within).toBe(true);
    onA.text.insert(0, "# A was here\n");
    onB.text.insert(onB.text.length, "# B was here\n");
    // What her client claims; node A relays her account's name instead.
    onA.provider.awareness.setLocalStateField("user", { name: "Ann" });
    await expect
      .poll(
        () =>
          onA.text.toString() === onB.text.toString() &&
          onA.text.toString().includes("# B was here"),
        within,
      )
      .toBe(true);
    await expect
      .poll(
        () =>
          [...onB.provider.awareness.getStates().values()].some(
            (s) => (s.user as { name?: string } | undefined)?.name === ann.identity.name,
          ),
        within,
      )
      .toBe(true);

    // A run started from node B, executed by the worker, reaches the viewers on both nodes.
    const worker1 = gpuWorker("worker-1");
    await expect.poll(() => onA.seen.joins > 0 && onB.seen.joins > 0, within).toBe(true);
    const started = await onB.socket.emitWithAck("run:start", { experimentId: id, seed: 5 });
    if (!started.ok) throw new Error(started.message);
    await expect
      .poll(() => onA.seen.frames.length >= 3 && onB.seen.frames.length >= 3, within)
      .toBe(true);
    expect(onA.seen.frames.every((f) => f.runId === started.runId)).toBe(true);

    // Node A dies: its tab reconnects (through the balancer) to B, rejoins the room, keeps its edits.
    onA.text.insert(0, "# typed just before A died\n");
    await a.child.kill();
    onA.text.insert(0, "# typed while offline\n");
    const framesBefore = onA.seen.frames.length;
    await expect.poll(() => onA.seen.joins >= 2, within).toBe(true);
    await expect.poll(() => onA.seen.frames.length > framesBefore + 2, within).toBe(true);
    await expect.poll(() => onB.text.toString(), within).toContain("# typed while offline");
    expect(onB.text.toString()).toContain("# typed just before A died");
    expect(onB.text.toString()).toContain("# A was here");
    await expect.poll(() => onA.text.toString() === onB.text.toString(), within).toBe(true);

    // The worker dies mid-run: the run goes back in line and a new worker finishes it from its last snapshot.
    await expect
      .poll(
        async () => (await db().snapshot.count({ where: { runId: started.runId } })) > 0,
        within,
      )
      .toBe(true);
    await worker1.kill();
    const killedAt = onB.seen.statuses.length;
    const lastSnapshot = await db().snapshot.findFirst({
      where: { runId: started.runId },
      orderBy: { epoch: "desc" },
    });
    const worker2 = gpuWorker("worker-2");
    await expect
      .poll(
        () =>
          onB.seen.statuses
            .slice(killedAt)
            .find((s) => s.runId === started.runId && s.status === "loading"),
        within,
      )
      .toMatchObject({ epoch: lastSnapshot!.epoch + 1 });

    // A deploy stops worker 2 (SIGTERM): it finishes its step, saves a snapshot and requeues the run.
    await expect
      .poll(async () => {
        const latest = await db().snapshot.findFirst({
          where: { runId: started.runId },
          orderBy: { epoch: "desc" },
        });
        return latest!.epoch > lastSnapshot!.epoch;
      }, within)
      .toBe(true);
    const drainedAt = onB.seen.statuses.length;
    await worker2.stop();
    expect(await worker2.exited).toBe(0);
    const drained = await db().run.findUniqueOrThrow({ where: { id: started.runId } });
    expect(drained.status).toBe("queued");
    const drainSnapshot = await db().snapshot.findFirst({
      where: { runId: started.runId },
      orderBy: { epoch: "desc" },
    });
    expect(drainSnapshot!.epoch).toBeGreaterThan(lastSnapshot!.epoch);
    expect(onB.seen.statuses.slice(drainedAt).some((s) => s.status === "stopped")).toBe(false);

    const worker3 = gpuWorker("worker-3");
    await expect
      .poll(() => onB.seen.done.includes(started.runId) && onA.seen.done.includes(started.runId), {
        timeout: 60_000,
        interval: 50,
      })
      .toBe(true);
    const resumedAgain = onB.seen.statuses
      .slice(drainedAt)
      .find((s) => s.runId === started.runId && s.status === "loading");
    expect(resumedAgain?.epoch).toBe(drainSnapshot!.epoch + 1);
    const row = await db().run.findUniqueOrThrow({ where: { id: started.runId } });
    expect(row).toMatchObject({ status: "done", epoch: 599 });
    const epochs = (
      await db().runStat.findMany({ where: { runId: started.runId }, select: { epoch: true } })
    ).map((s) => s.epoch);
    expect(new Set(epochs).size).toBe(epochs.length); // statistics after the snapshot were produced once, not twice
    expect(Math.max(...epochs)).toBe(599);

    // The final image is served by the surviving node.
    const image = await fetch(`http://127.0.0.1:${b.port}/api/images/${started.runId}/final.png`);
    expect(image.status).toBe(200);
    expect(image.headers.get("content-type")).toBe("image/png");
    expect((await fetch(`http://127.0.0.1:${b.port}/metrics`)).status).toBe(401);
    const metrics = await (
      await fetch(`http://127.0.0.1:${b.port}/metrics`, {
        headers: { authorization: "Bearer cluster-test-metrics-token" },
      })
    ).text();
    expect(metrics).toMatch(/clipig_frames_sent_total [1-9]/);
    expect(metrics).toMatch(/clipig_sockets 2/);
    await worker3.stop();
  }, 120_000);
});
