import { describe, it, expect, beforeAll, afterAll, beforeEach } from "vitest";
import { createServer } from "node:http";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import {
  CLIP_FILES,
  NotEnoughSpace,
  TINY_CLIP_DIR,
  findModel,
  freeBytes,
  listModels,
  planPull,
  pullModel,
  removeModel,
  resolveModelDir,
  storeUsage,
  type KnownModel,
  type PullProgress,
} from "./model-store";
import { startTestHub, type TestHub } from "../clip/testing";

const REPO = "test-org/tiny-clip-copy";
const FILES = Object.fromEntries(
  CLIP_FILES.map((f) => [f.name, readFileSync(path.join(TINY_CLIP_DIR, f.name))]),
);
const TOTAL = Object.values(FILES).reduce((sum, b) => sum + b.length, 0);
const MODELS: KnownModel[] = [
  { name: REPO, aliases: ["tiny-copy"], description: "test", approxBytes: 1, files: CLIP_FILES },
  {
    name: "tiny-clip",
    aliases: [],
    description: "bundled",
    approxBytes: 1,
    bundled: TINY_CLIP_DIR,
  },
];

let hub: TestHub;
let base: string;

beforeAll(async () => {
  hub = await startTestHub([REPO, "other-org/any-clip"]);
  base = hub.url;
});
afterAll(() => hub.close());
beforeEach(() => hub.reset());

const freshStore = () => ({
  modelsDir: mkdtempSync(path.join(tmpdir(), "clipig-models-")),
  hubUrl: base,
  models: MODELS,
});

describe("model store", () => {
  it("pulls a checkpoint with progress, installs it atomically and resolves it by name and alias", async () => {
    const store = freshStore();
    const events: PullProgress[] = [];
    expect(() => resolveModelDir(REPO, store)).toThrow(
      /not downloaded yet: run `clipig models pull/,
    );
    const dir = await pullModel("tiny-copy", { ...store, onProgress: (p) => events.push(p) });
    expect(dir).toBe(path.join(store.modelsDir, "test-org--tiny-clip-copy"));
    for (const [name, bytes] of Object.entries(FILES))
      expect(readFileSync(path.join(dir, name)).equals(bytes)).toBe(true);
    const last = events.filter((e) => e.file === "model.safetensors").at(-1)!;
    expect(last).toMatchObject({
      received: FILES["model.safetensors"]!.length,
      total: FILES["model.safetensors"]!.length,
      fileIndex: 3,
      fileCount: 4,
      totalReceived: TOTAL,
      totalBytes: TOTAL,
    });
    expect(last.bytesPerSecond).toBeGreaterThan(0);
    expect(resolveModelDir(REPO, store)).toBe(dir);
    expect(readdirSync(store.modelsDir)).toEqual(["test-org--tiny-clip-copy"]); // no partial folder left
    const listed = await listModels(store);
    expect(listed.map((m) => [m.name, m.status, m.partialBytes])).toEqual([
      [REPO, "installed", 0],
      ["tiny-clip", "bundled", 0],
    ]);
    const manifest = JSON.parse(readFileSync(path.join(dir, "clipig-model.json"), "utf8"));
    expect(manifest.files["model.safetensors"].sha256).toBe(
      createHash("sha256").update(FILES["model.safetensors"]!).digest("hex"),
    );
  });

  it("continues a dropped connection with an HTTP Range request", async () => {
    const store = freshStore();
    hub.behaviour.dropAfter = 3 << 20;
    const dir = await pullModel(REPO, store);
    expect(
      readFileSync(path.join(dir, "model.safetensors")).equals(FILES["model.safetensors"]!),
    ).toBe(true);
    expect(hub.seen.ranges).toHaveLength(1);
    expect(Number(/\d+/.exec(hub.seen.ranges[0]!)![0])).toBeGreaterThan(0);
  });

  it("treats a stalled transfer as dropped and continues it", async () => {
    const store = freshStore();
    Object.assign(hub.behaviour, { dropAfter: 1 << 20, stall: true });
    const dir = await pullModel(REPO, { ...store, stallMs: 300 });
    expect(
      readFileSync(path.join(dir, "model.safetensors")).equals(FILES["model.safetensors"]!),
    ).toBe(true);
    expect(hub.seen.ranges).toHaveLength(1);
  });

  it("resumes an interrupted pull from the partial file on the next run", async () => {
    const store = freshStore();
    const size = FILES["model.safetensors"]!.length;
    const abort = new AbortController();
    hub.behaviour.bytesPerSecond = 20e6;
    const first = pullModel(REPO, {
      ...store,
      signal: abort.signal,
      onProgress: (p) => p.file === "model.safetensors" && p.received > size / 3 && abort.abort(),
    });
    await expect(first).rejects.toThrow();
    const partial = path.join(store.modelsDir, ".test-org--tiny-clip-copy.partial");
    expect(existsSync(path.join(partial, "model.safetensors.part"))).toBe(true);
    expect(existsSync(path.join(partial, "config.json"))).toBe(true);
    hub.reset();
    const dir = await pullModel(REPO, store);
    expect(
      readFileSync(path.join(dir, "model.safetensors")).equals(FILES["model.safetensors"]!),
    ).toBe(true);
    expect(hub.seen.ranges).toHaveLength(1);
    expect(hub.seen.bytesSent).toBeLessThan(size * 0.7); // only the rest came over the wire
  });

  it("rejects a corrupted transfer by its sha256 and installs nothing", async () => {
    const store = freshStore();
    hub.behaviour.corrupt = true;
    await expect(pullModel(REPO, store)).rejects.toThrow(
      /model.safetensors: sha256 [0-9a-f]{64} does not match/,
    );
    expect(() => resolveModelDir(REPO, store)).toThrow(/not downloaded/);
    const partial = path.join(store.modelsDir, ".test-org--tiny-clip-copy.partial");
    expect(existsSync(path.join(partial, "model.safetensors.part"))).toBe(false);
  });

  it("explains an unreachable hub, and tiny-clip still resolves offline", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const store = { ...freshStore(), hubUrl: `http://127.0.0.1:${port}` };
    await expect(pullModel(REPO, store)).rejects.toThrow(
      /cannot download .*config.json \(ECONNREFUSED\).*CLIPIG_HUB_URL/,
    );
    expect(resolveModelDir("tiny-clip", store)).toBe(TINY_CLIP_DIR);
    expect(resolveModelDir(TINY_CLIP_DIR, store)).toBe(TINY_CLIP_DIR);
    expect(() => resolveModelDir("no-such-model", store)).toThrow(/unknown model 'no-such-model'/);
  });

  it("reports a missing repository file with its HTTP status", async () => {
    const store = { ...freshStore(), models: [{ ...MODELS[0]!, name: "test-org/missing" }] };
    await expect(pullModel("test-org/missing", store)).rejects.toThrow(/HTTP 404/);
  });

  it("plans from the hub's sizes and refuses a pull the disk has no room for, before any byte", async () => {
    const store = freshStore();
    const plan = await planPull(REPO, store);
    expect(plan.totalBytes).toBe(TOTAL);
    expect(plan.remainingBytes).toBe(TOTAL);
    expect(plan.files.find((f) => f.name === "model.safetensors")?.sha256).toBe(
      createHash("sha256").update(FILES["model.safetensors"]!).digest("hex"),
    );
    const free = await freeBytes(store.modelsDir);
    const keepFree = free - TOTAL / 2; // room for half the checkpoint
    const before = hub.seen.bytesSent;
    await expect(pullModel(REPO, { ...store, keepFree })).rejects.toThrow(NotEnoughSpace);
    await expect(pullModel(REPO, { ...store, keepFree })).rejects.toThrow(
      /not enough disk space for test-org\/tiny-clip-copy: it needs \d+ MB more, \d+ MB are free .*CLIPIG_MODELS_MIN_FREE_MB/,
    );
    expect(hub.seen.bytesSent).toBe(before);
    expect(readdirSync(store.modelsDir)).toEqual([]);
  });

  it("pulls any hub repository id only when asked to, finds it afterwards and removes it", async () => {
    const store = freshStore();
    const repo = "other-org/any-clip";
    await expect(pullModel(repo, store)).rejects.toThrow(/unknown model 'other-org\/any-clip'/);
    await expect(pullModel("../escape", { ...store, anyRepo: true })).rejects.toThrow(
      /unknown model/,
    );
    expect(findModel(repo, store)).toBeUndefined();
    const dir = await pullModel(repo, { ...store, anyRepo: true });
    expect(findModel(repo, store)?.name).toBe(repo);
    expect(resolveModelDir(repo, store)).toBe(dir);
    const listed = await listModels(store);
    expect(listed.find((m) => m.name === repo)).toMatchObject({
      status: "installed",
      description: "hub repository",
    });
    const usage = await storeUsage(store);
    expect(usage.usedBytes).toBeGreaterThanOrEqual(TOTAL);
    expect(await removeModel(repo, store)).toBeGreaterThanOrEqual(TOTAL);
    expect(existsSync(dir)).toBe(false);
    expect(findModel(repo, store)).toBeUndefined();
    await expect(removeModel("tiny-clip", store)).rejects.toThrow(/ships with CLIPig Studio/);
  });

  it("fetches again a finished file of a partial pull whose hash no longer matches", async () => {
    const store = freshStore();
    const partial = path.join(store.modelsDir, ".test-org--tiny-clip-copy.partial");
    mkdirSync(partial, { recursive: true });
    writeFileSync(path.join(partial, "model.safetensors"), "not the weights");
    const plan = await planPull(REPO, store);
    expect(plan.remainingBytes).toBe(TOTAL - "not the weights".length);
    const dir = await pullModel(REPO, store);
    expect(
      readFileSync(path.join(dir, "model.safetensors")).equals(FILES["model.safetensors"]!),
    ).toBe(true);
  });
});
