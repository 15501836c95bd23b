/**
 * The GPU worker process's own parts: its arguments, and a worker whose images go to a shared
 * S3-compatible store. The run lifecycle it shares with the embedded server is the contract suite
 * in `server/runs/coordinator.test.ts`.
 */
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExperiment } from "../collab/testing";
import { db } from "../db/client";
import { RunCoordinator } from "../runs/coordinator";
import { RunStore } from "../runs/store";
import { admissionFromEnv } from "../runs/admission";
import { BullRunQueue } from "../cluster/bull-queue";
import { redisBus } from "../cluster/redis-bus";
import { testServices, TEST_REDIS_URL, tinyExperiment } from "../cluster/testing/services";
import { GpuWorker } from "./gpu-worker";
import { parseWorkerArgs } from "./args";
import { localCache } from "../storage/local-cache";
import { s3Store } from "../storage/s3";
import { s3Stub, STUB_CREDENTIALS, STUB_REGION } from "../storage/testing";

const experiment = (epochs: number) => tinyExperiment(epochs, 10);
const within = { timeout: 30_000, interval: 20 };
const services = testServices();
const prefix = services.prefix;

beforeAll(() => services.start());
afterAll(() => services.stop());

describe("worker arguments", () => {
  it("maps cuda:N to one visible GPU and refuses unknown devices", () => {
    expect(parseWorkerArgs(["--device", "cuda:3"])).toEqual({
      device: "cuda",
      cudaIndex: 3,
      label: "cuda:3",
      id: null,
    });
    expect(parseWorkerArgs(["--device=cpu", "--id", "w1"])).toMatchObject({
      device: "cpu",
      cudaIndex: null,
      id: "w1",
    });
    expect(() => parseWorkerArgs(["--device", "tpu"])).toThrow(/unknown device/);
    expect(() => parseWorkerArgs(["--gpu"])).toThrow(/unknown argument/);
  });
});

describe("shared image store (S3)", () => {
  it("a worker's snapshots and final image reach a node with its own data dir", async () => {
    const stub = await s3Stub();
    const store = () =>
      s3Store({
        endpoint: stub.endpoint,
        bucket: "clipig",
        region: STUB_REGION,
        credentials: STUB_CREDENTIALS,
      });
    const workerDir = mkdtempSync(path.join(tmpdir(), "clipig-gpu-"));
    const nodeDir = mkdtempSync(path.join(tmpdir(), "clipig-web-"));
    const runStore = new RunStore();
    const readYaml = async (id: string) =>
      (await db().experiment.findUnique({ where: { id } }))?.yaml ?? null;
    const bus = redisBus({ redisUrl: TEST_REDIS_URL, prefix, name: "node-s3" });
    const node = new RunCoordinator({
      queue: new BullRunQueue({ redisUrl: TEST_REDIS_URL, prefix }),
      bus,
      store: runStore,
      readYaml,
      dataDir: nodeDir,
      admission: admissionFromEnv(nodeDir),
      ensureLocal: (relative) => localCache(store(), nodeDir).ensureLocal(relative),
    });
    await bus.ready();
    const w = new GpuWorker({
      redisUrl: TEST_REDIS_URL,
      prefix,
      id: "w-s3",
      device: "cpu",
      store: runStore,
      admission: admissionFromEnv(workerDir),
      dataDir: workerDir,
      images: localCache(store(), workerDir),
      fps: 20,
      frameFormat: "png",
      statsIntervalMs: 50,
    });
    await w.start();
    const id = await createExperiment(experiment(30));
    const r = await node.start(id, { identity: null, seed: 9 });
    if (!r.ok) throw new Error(r.message);
    await expect
      .poll(async () => (await db().run.findUnique({ where: { id: r.runId } }))?.status, within)
      .toBe("done");
    await expect
      .poll(() => stub.objects.has(`/clipig/images/${r.runId}/final.png`), within)
      .toBe(true);
    expect(stub.objects.has(`/clipig/images/${r.runId}/snap-10.png`)).toBe(true);
    expect(stub.rejected).toEqual([]);
    // The node never saw the worker's disk: it fetches the final image from the store to show it.
    const joined = await node.roomSnapshot(id);
    expect(joined.run).toMatchObject({ runId: r.runId, status: "done" });
    expect(joined.frame?.mime).toBe("image/png");
    expect(existsSync(path.join(nodeDir, "images", r.runId, "final.png"))).toBe(true);
    await w.close();
    await node.close();
    stub.server.close();
  }, 60_000);
});
