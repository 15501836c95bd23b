import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { io as connect, type Socket } from "socket.io-client";
import {
  createExperiment,
  signedIn,
  tabHeaders,
  useTempDatabase,
  type TestCaller,
} from "../collab/testing";
import { startTestHub, type TestHub } from "../engine/clip/testing";
import type { ClientToServerEvents, ServerToClientEvents } from "../realtime/protocol";
import type { ModelNeed, RunState } from "../domain";
import { startStudioServer, type StudioServer } from "../studio-server";
import { ModelDownloads } from "./downloads";
import { modelPolicyFromEnv } from "./policy";

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

const DEFAULT = "openai/clip-vit-base-patch32";
const B16 = "openai/clip-vit-base-patch16";
/** No `model:` line: the default model, which no fresh store has. */
const YAML = `device: cpu
epochs: 400
resolution: 32
targets:
  - features:
      - text: a curly spoon
`;

let hub: TestHub;
let server: StudioServer;
let closed: StudioServer;
let modelsDir: string;
let alice: TestCaller; // the first account: this server's admin
let bob: TestCaller;
const open: Client[] = [];

function client(port: number, cookie?: string): Client {
  const socket: Client = connect(`http://127.0.0.1:${port}`, {
    transports: ["websocket"],
    extraHeaders: tabHeaders(port, cookie),
    forceNew: true,
  });
  open.push(socket);
  return socket;
}

/** Everything a socket hears of the room's model and runs, and a way to wait for a moment in it. */
function listen(socket: Client) {
  const needs: (ModelNeed | null)[] = [];
  const statuses: RunState[] = [];
  let frames = 0;
  socket.on("model:need", (p) => needs.push(p.need));
  socket.on("status", (p) => statuses.push(p.run));
  socket.on("frame", (_p, ack) => {
    frames++;
    ack();
  });
  return {
    needs,
    statuses,
    frames: () => frames,
    async until(test: () => boolean, what: string, ms = 30_000) {
      const end = Date.now() + ms;
      while (!test()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}

beforeAll(async () => {
  const dataDir = await useTempDatabase();
  modelsDir = path.join(dataDir, "models");
  hub = await startTestHub([DEFAULT, B16], { bytesPerSecond: 6e6 });
  process.env.CLIPIG_HUB_URL = hub.url; // the run workers resolve models through the same store
  const store = { hubUrl: hub.url, modelsDir };
  server = await startStudioServer({
    port: 0,
    host: "127.0.0.1",
    handle: (_req, res) => res.end("pages"),
    models: { store, progressMs: 50, policy: { downloads: "admins", admins: null } },
  });
  closed = await startStudioServer({
    port: 0,
    host: "127.0.0.1",
    handle: (_req, res) => res.end("pages"),
    models: { store, policy: { downloads: "nobody", admins: null } },
  });
  alice = await signedIn();
  bob = await signedIn();
});
afterAll(async () => {
  for (const s of open) s.close();
  await server?.close();
  await closed?.close();
  await hub?.close();
});

describe("a start waiting for its model", () => {
  it("shows the room the missing model; an admin downloads it, everyone sees progress, then the run starts", async () => {
    const id = await createExperiment(YAML, { ownerId: alice.identity.id });
    const owner = client(server.port, alice.cookie);
    const watcher = client(server.port, bob.cookie);
    const seen = listen(watcher);
    const mine = listen(owner);
    await owner.emitWithAck("room:join", { experimentId: id });
    const joined = await watcher.emitWithAck("room:join", { experimentId: id });
    expect(joined).toMatchObject({
      ok: true,
      state: {
        model: null,
        modelAccess: { canDownload: false, reason: expect.stringMatching(/admins/) },
      },
    });

    const start = await owner.emitWithAck("run:start", { experimentId: id });
    expect(start).toMatchObject({ ok: false, code: "model_missing" });
    await seen.until(() => seen.needs.length > 0, "the missing model");
    expect(seen.needs[0]).toMatchObject({
      model: DEFAULT,
      bytes: 605e6,
      rule: "admins",
      requestedBy: alice.identity.name,
      download: null,
    });
    // A latecomer gets it on join; Bob may not download it.
    const late = await client(server.port, bob.cookie).emitWithAck("room:join", {
      experimentId: id,
    });
    expect(late).toMatchObject({ ok: true, state: { model: { model: DEFAULT } } });
    expect(await watcher.emitWithAck("model:pull", { experimentId: id })).toMatchObject({
      ok: false,
      code: "forbidden",
      message: expect.stringMatching(/admins/),
    });

    expect(await owner.emitWithAck("model:pull", { experimentId: id })).toEqual({ ok: true });
    // A second request joins the same download.
    expect(await owner.emitWithAck("model:pull", { experimentId: id })).toEqual({ ok: true });
    await seen.until(() => seen.statuses.length > 0, "the run to start");
    const progress = seen.needs
      .map((n) => n?.download)
      .filter((d) => d?.status === "downloading" && d.received > 0);
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.at(-1)).toMatchObject({ model: DEFAULT, startedBy: alice.identity.name });
    expect(progress.at(-1)!.total).toBe(Object.values(hub.files).reduce((s, b) => s + b.length, 0));
    expect(progress.at(-1)!.bytesPerSecond).toBeGreaterThan(0);
    expect(progress.at(-1)!.etaSeconds).not.toBeNull();
    expect(hub.seen.ranges).toEqual([]); // one transfer, not two
    expect(seen.needs.at(-1)).toBeNull(); // the panel goes away for everyone
    expect(
      existsSync(path.join(modelsDir, "openai--clip-vit-base-patch32", "model.safetensors")),
    ).toBe(true);
    await seen.until(() => seen.frames() > 0, "frames");
    expect(mine.statuses[0]).toMatchObject({ model: DEFAULT });
    await owner.emitWithAck("run:stop", { experimentId: id });
  });

  it("with downloads refused, the room sees why and a start with tiny-clip runs and ends the wait", async () => {
    const id = await createExperiment(YAML.replace("device", `model: ViT-B/16\ndevice`), {
      ownerId: alice.identity.id,
    });
    const owner = client(closed.port, alice.cookie);
    const seen = listen(owner);
    const joined = await owner.emitWithAck("room:join", { experimentId: id });
    expect(joined).toMatchObject({
      ok: true,
      state: {
        modelAccess: {
          canDownload: false,
          reason: expect.stringMatching(/CLIPIG_MODEL_DOWNLOADS=nobody.*clipig models pull/),
        },
      },
    });
    expect(await owner.emitWithAck("run:start", { experimentId: id })).toMatchObject({
      code: "model_missing",
    });
    await seen.until(() => seen.needs.length > 0, "the missing model");
    expect(seen.needs[0]).toMatchObject({ model: "openai/clip-vit-base-patch16", rule: "nobody" });
    expect(await owner.emitWithAck("model:pull", { experimentId: id })).toMatchObject({
      code: "forbidden",
    });
    const tiny = await owner.emitWithAck("run:start", { experimentId: id, model: "tiny-clip" });
    expect(tiny).toMatchObject({ ok: true });
    await seen.until(() => seen.needs.at(-1) === null, "the wait to end");
    await seen.until(() => seen.frames() > 0, "frames");
    expect(seen.statuses[0]).toMatchObject({ model: "tiny-clip" });
    await owner.emitWithAck("run:stop", { experimentId: id });
  });

  it("before Start: a download of the live text's model streams to the room, and no run starts by itself", async () => {
    hub.reset();
    hub.behaviour.bytesPerSecond = 6e6;
    const id = await createExperiment(YAML.replace("device", `model: ViT-B/16\ndevice`), {
      ownerId: alice.identity.id,
    });
    const owner = client(server.port, alice.cookie);
    const watcher = client(server.port, bob.cookie);
    const seen = listen(watcher);
    await owner.emitWithAck("room:join", { experimentId: id });
    await watcher.emitWithAck("room:join", { experimentId: id });

    // The rule and the name are checked before the room hears anything.
    expect(
      await watcher.emitWithAck("model:pull", { experimentId: id, model: "ViT-B/16" }),
    ).toMatchObject({ ok: false, code: "forbidden" });
    expect(
      await owner.emitWithAck("model:pull", { experimentId: id, model: "someone/not-a-model" }),
    ).toMatchObject({
      ok: false,
      code: "bad_request",
      message: "unknown model 'someone/not-a-model'",
    });
    expect(
      await owner.emitWithAck("model:pull", { experimentId: id, model: "tiny-clip" }),
    ).toMatchObject({
      ok: false,
      code: "bad_request",
      message: expect.stringMatching(/already installed/),
    });
    expect(
      await owner.emitWithAck("model:pull", { experimentId: id, model: "../../etc" }),
    ).toMatchObject({ ok: false, code: "bad_request" });
    expect(seen.needs).toEqual([]);

    expect(await owner.emitWithAck("model:pull", { experimentId: id, model: "ViT-B/16" })).toEqual({
      ok: true,
    });
    await seen.until(() => seen.needs.at(-1) === null, "the download to end", 60_000);
    expect(seen.needs[0]).toMatchObject({
      model: B16,
      waiting: false,
      requestedBy: null,
      download: null,
    });
    const progress = seen.needs.filter((n) => n?.download?.status === "downloading");
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.every((n) => n?.model === B16 && !n.waiting)).toBe(true);
    expect(
      existsSync(path.join(modelsDir, "openai--clip-vit-base-patch16", "model.safetensors")),
    ).toBe(true);
    // Nobody pressed Start: nothing runs until someone does, and then it runs at once.
    await new Promise((r) => setTimeout(r, 300));
    expect(seen.statuses).toEqual([]);
    expect(await owner.emitWithAck("run:start", { experimentId: id })).toMatchObject({ ok: true });
    await seen.until(() => seen.statuses.length > 0, "the run to start");
    expect(seen.statuses[0]).toMatchObject({ model: B16 });
    await owner.emitWithAck("run:stop", { experimentId: id });
  });
});

describe("ModelDownloads", () => {
  const store = () => ({ hubUrl: hub.url, modelsDir: mkdtempSync(path.join(tmpdir(), "dl-")) });

  it("shares one download among callers, cancels keeping the partial files, then resumes", async () => {
    hub.reset();
    hub.behaviour.bytesPerSecond = 2e6;
    const s = store();
    const downloads = new ModelDownloads({ store: s, progressMs: 0 });
    const states: string[] = [];
    downloads.onChange((d) => states.push(d.status));
    const first = downloads.pull("ViT-B/32", { by: "a" });
    const second = downloads.pull(DEFAULT, { by: "b" });
    expect(first.joined).toBe(false);
    expect(second.joined).toBe(true);
    expect(second.done).toBe(first.done);
    while ((downloads.get(DEFAULT)?.received ?? 0) < 3e6)
      await new Promise((r) => setTimeout(r, 20));
    expect(downloads.cancel("ViT-B/32")).toBe(true);
    await expect(first.done).rejects.toThrow();
    expect(downloads.get(DEFAULT)).toMatchObject({ status: "cancelled", startedBy: "a" });
    expect(readdirSync(s.modelsDir)).toEqual([".openai--clip-vit-base-patch32.partial"]);
    hub.behaviour.bytesPerSecond = 0;
    const sentBefore = hub.seen.bytesSent;
    await downloads.pull(DEFAULT).done;
    expect(hub.seen.ranges.length).toBe(1); // continued where it stopped
    expect(hub.seen.bytesSent - sentBefore).toBeLessThan(hub.files["model.safetensors"]!.length);
    expect(states).toContain("cancelled");
    expect(states.at(-1)).toBe("done");
  });

  it("fails early, before any byte, when the disk lacks the space", async () => {
    hub.reset();
    const downloads = new ModelDownloads({ store: store(), keepFree: Number.MAX_SAFE_INTEGER });
    const sent = hub.seen.bytesSent;
    await expect(downloads.pull(DEFAULT).done).rejects.toThrow(/not enough disk space/);
    expect(downloads.get(DEFAULT)).toMatchObject({
      status: "failed",
      error: expect.stringMatching(/not enough disk space for openai\/clip-vit-base-patch32/),
    });
    expect(hub.seen.bytesSent).toBe(sent);
  });

  it("offline: the download fails saying which host and what to do", async () => {
    const gone = createServer();
    await new Promise<void>((resolve) => gone.listen(0, "127.0.0.1", resolve));
    const port = (gone.address() as AddressInfo).port;
    await new Promise<void>((resolve) => gone.close(() => resolve()));
    const downloads = new ModelDownloads({
      store: { ...store(), hubUrl: `http://127.0.0.1:${port}` },
    });
    await expect(downloads.pull(DEFAULT).done).rejects.toThrow();
    expect(downloads.get(DEFAULT)).toMatchObject({
      status: "failed",
      error: expect.stringMatching(/cannot download .*\(ECONNREFUSED\).*CLIPIG_HUB_URL/),
    });
  });

  it("reads its rule from the environment and names the variable when it is wrong", () => {
    expect(modelPolicyFromEnv({})).toEqual({ downloads: "admins", admins: null });
    expect(
      modelPolicyFromEnv({ CLIPIG_MODEL_DOWNLOADS: "signed-in", CLIPIG_ADMINS: "Ann, bo" }),
    ).toEqual({ downloads: "signed-in", admins: ["ann", "bo"] });
    expect(() => modelPolicyFromEnv({ CLIPIG_MODEL_DOWNLOADS: "everyone" })).toThrow(
      /CLIPIG_MODEL_DOWNLOADS must be one of signed-in, admins, nobody, got 'everyone'/,
    );
  });
});
