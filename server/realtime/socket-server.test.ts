import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { io as connect, type Socket } from "socket.io-client";
import sharp from "sharp";
import { db } from "../db/client";
import { revokeMember, revokeSession } from "../accounts";
import {
  createExperiment as createRow,
  share,
  signedIn,
  tabHeaders,
  useTempDatabase,
  type TestCaller,
  storedRun,
} from "../collab/testing";
import { writeImage } from "../runs/images";
import { startStudioServer, type StudioServer } from "../studio-server";
import { PROTOCOL_VERSION, type ClientToServerEvents, type ServerToClientEvents } from "./protocol";
import type { FramePayload } from "../domain";

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

let server: StudioServer;
let dataDir: string;
let alice: TestCaller;
let bob: TestCaller;
const open: Client[] = [];
/** An experiment Alice may run (she edits it); Bob only watches. */
const createExperiment = (yaml: string, opts: Parameters<typeof createRow>[1] = {}) =>
  createRow(yaml, { members: { [alice.identity.id]: "editor" }, ...opts });

function client(cookie?: string, headers = tabHeaders(server.port, cookie)): Client {
  const socket: Client = connect(`http://127.0.0.1:${server.port}`, {
    transports: ["websocket"],
    extraHeaders: headers,
    forceNew: true,
  });
  open.push(socket);
  return socket;
}

/** A tiny real image, as the trainer hands frames over (RGBA). */
function pixels(epoch: number, width = 8, height = 6) {
  const rgba = new Uint8ClampedArray(width * height * 4).map((_, i) => (i * 7 + epoch * 13) % 256);
  return { epoch, width, height, rgba };
}

beforeAll(async () => {
  dataDir = await useTempDatabase();
  server = await startStudioServer({
    port: 0,
    host: "127.0.0.1",
    handle: (_req, res) => res.end("pages"),
    frameAckTimeoutMs: 2000,
  });
  alice = await signedIn();
  bob = await signedIn();
});
afterAll(async () => {
  for (const s of open) s.close();
  await server.close();
});

describe("Socket.IO rooms", () => {
  it("greets every connection, signed in or not and again after a reconnect, with the protocol version", async () => {
    const hello = (socket: Client) =>
      new Promise<Parameters<ServerToClientEvents["hello"]>[0]>((resolve) =>
        socket.once("hello", resolve),
      );
    const expected = { protocol: PROTOCOL_VERSION, server: "clipig-studio" };
    expect(PROTOCOL_VERSION).toEqual(expect.any(Number));
    const anonymous = client();
    expect(await hello(anonymous)).toEqual(expected);
    const socket = client(alice.cookie);
    expect(await hello(socket)).toEqual(expected);
    // A reconnect is a new connection: the page checks the version again (a deploy may lie between).
    socket.disconnect();
    const again = hello(socket);
    socket.connect();
    expect(await again).toEqual(expected);
  });

  it("validates every payload and answers with closed error codes", async () => {
    const socket = client(alice.cookie);
    const id = await createExperiment("epochs: 3\n");
    for (const bad of [
      {},
      { experimentId: "../etc" },
      { experimentId: id, extra: 1 },
      "abc",
      null,
      { experimentId: 7 },
    ]) {
      expect(await socket.emitWithAck("room:join", bad as never)).toMatchObject({
        ok: false,
        code: "bad_request",
      });
    }
    expect(await socket.emitWithAck("room:join", { experimentId: "does-not-exist" })).toMatchObject(
      { ok: false, code: "not_found" },
    );
    // Without an ack the answer comes as an `error` event.
    const error = new Promise((resolve) => socket.once("error", resolve));
    (socket as unknown as { emit(event: string, payload: unknown): void }).emit("room:join", {
      experimentId: "../etc",
    });
    expect(await error).toMatchObject({ code: "bad_request" });

    expect(await socket.emitWithAck("run:start", { experimentId: id })).toMatchObject({
      ok: false,
      code: "forbidden",
    }); // not joined
    expect(await socket.emitWithAck("room:join", { experimentId: id })).toMatchObject({
      ok: true,
      state: { role: "editor" },
    });
    expect(await socket.emitWithAck("run:start", { experimentId: id, seed: -1 })).toMatchObject({
      ok: false,
      code: "bad_request",
    });
    expect(await socket.emitWithAck("run:pause", { experimentId: id })).toMatchObject({
      ok: false,
      code: "bad_request",
    });
  });

  it("rejects an invalid experiment with located diagnostics", async () => {
    const socket = client(alice.cookie);
    const id = await createExperiment("epochs: 3\nlearnrate: [1, 2\n");
    await socket.emitWithAck("room:join", { experimentId: id });
    const res = await socket.emitWithAck("run:start", { experimentId: id });
    expect(res).toMatchObject({ ok: false, code: "invalid_experiment" });
    if (res.ok) return;
    expect(res.diagnostics?.length).toBeGreaterThan(0);
    expect(res.diagnostics?.[0].line).toBeGreaterThanOrEqual(2);
  });

  it("lets viewers watch but not run, and hides private experiments", async () => {
    const viewer = client(); // no identity
    const id = await createExperiment("epochs: 3\n");
    expect(await viewer.emitWithAck("room:join", { experimentId: id })).toMatchObject({
      ok: true,
      state: { role: "viewer" },
    });
    expect(await viewer.emitWithAck("run:start", { experimentId: id })).toMatchObject({
      ok: false,
      code: "forbidden",
    });
    expect(await client(bob.cookie).emitWithAck("room:join", { experimentId: id })).toMatchObject({
      ok: true,
      state: { role: "viewer" },
    });
    const secret = await createRow("epochs: 3\n", {
      visibility: "private",
      ownerId: alice.identity.id,
    });
    expect(
      await client(bob.cookie).emitWithAck("room:join", { experimentId: secret }),
    ).toMatchObject({ ok: false, code: "not_found" });
    expect(
      await client(alice.cookie).emitWithAck("room:join", { experimentId: secret }),
    ).toMatchObject({ ok: true, state: { role: "owner" } });
  });

  it("rate-limits a flood of requests from one socket", async () => {
    const socket = client(alice.cookie);
    const answers = await Promise.all(
      Array.from({ length: 40 }, () => socket.emitWithAck("room:join", { experimentId: "x" })),
    );
    expect(answers.filter((a) => !a.ok && a.code === "rate_limited").length).toBeGreaterThan(0);
  });

  it("delivers frames latest-wins: a slow client skips frames and never holds two, a fast one gets them all", async () => {
    const id = await createExperiment("epochs: 3\n");
    const fast = client(alice.cookie);
    const slow = client(bob.cookie);
    await fast.emitWithAck("room:join", { experimentId: id });
    await slow.emitWithAck("room:join", { experimentId: id });
    const fastEpochs: number[] = [];
    const fastLatency: number[] = [];
    const slowEpochs: number[] = [];
    let unacked = 0;
    let overlap = 0;
    const sentAt = new Map<number, number>();
    fast.on("frame", (frame, ack) => {
      fastEpochs.push(frame.epoch);
      fastLatency.push(Date.now() - sentAt.get(frame.epoch)!);
      ack();
    });
    slow.on("frame", (frame, ack) => {
      if (unacked > 0) overlap++;
      unacked++;
      slowEpochs.push(frame.epoch);
      setTimeout(() => {
        unacked--;
        ack();
      }, 150);
    });
    const encoded = await sharp(Buffer.from(pixels(0).rgba.buffer), {
      raw: { width: 8, height: 6, channels: 4 },
    })
      .png()
      .toBuffer();
    for (let epoch = 0; epoch < 30; epoch++) {
      sentAt.set(epoch, Date.now());
      server.rooms.frame(id, {
        runId: "r",
        epoch,
        width: 8,
        height: 6,
        mime: "image/png",
        data: encoded,
      });
      await new Promise((r) => setTimeout(r, 15));
    }
    await expect.poll(() => fastEpochs.length, { timeout: 3000 }).toBe(30);
    await expect.poll(() => slowEpochs.at(-1), { timeout: 3000 }).toBe(29); // the latest always arrives
    expect(overlap).toBe(0);
    expect(slowEpochs.length).toBeLessThan(10);
    expect(slowEpochs).toEqual([...slowEpochs].sort((a, b) => a - b));
    expect(Math.max(...fastLatency)).toBeLessThan(150); // the slow one does not hold the fast one back
  });

  it("gives a joiner the last run's state, statistics and image at once, and serves the image", async () => {
    const id = await createExperiment("epochs: 3\n");
    const run = await storedRun(id);
    const imagePath = await writeImage(dataDir, run.id, "final.png", pixels(3));
    await db().run.update({ where: { id: run.id }, data: { imagePath } });
    await db().runStat.createMany({
      data: [1, 2, 3].map((epoch) => ({
        runId: run.id,
        epoch,
        loss: 1 / epoch,
        data: JSON.stringify({ similarities: [epoch / 10] }),
      })),
    });
    const socket = client(bob.cookie);
    const frame = new Promise<FramePayload>((resolve) =>
      socket.once("frame", (f, ack) => (ack(), resolve(f))),
    );
    const joined = await socket.emitWithAck("room:join", { experimentId: id });
    expect(joined).toMatchObject({
      ok: true,
      state: {
        run: {
          runId: run.id,
          status: "done",
          epoch: 3,
          imageUrl: `/api/images/${run.id}/final.png`,
        },
      },
    });
    if (joined.ok) expect(joined.state.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
    const f = await frame;
    expect(f).toMatchObject({ runId: run.id, width: 8, height: 6, mime: "image/png" });
    const meta = await sharp(Buffer.from(f.data as ArrayBuffer))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(meta.info.width).toBe(8);

    const base = `http://127.0.0.1:${server.port}/api/images/${run.id}`;
    const res = await fetch(`${base}/final.png`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect((await sharp(Buffer.from(await res.arrayBuffer())).metadata()).width).toBe(8);
    for (const bad of ["snap-1.png", "..%2F..%2Fclipig.db", "final.png/x", "final.jpg"]) {
      expect((await fetch(`${base}/${bad}`)).status).toBe(404);
    }
  });

  it("refuses handshakes from other sites' pages, and unknown events", async () => {
    for (const origin of ["http://evil.example", "null", `http://127.0.0.1:${server.port + 1}`]) {
      const socket = client(alice.cookie, { cookie: alice.cookie, origin });
      const error = await new Promise<Error>((resolve) => socket.once("connect_error", resolve));
      expect(error.message, origin).toMatch(/websocket error|origin/i);
      socket.close();
    }
    const socket = client(alice.cookie);
    const raw = socket as unknown as {
      emitWithAck(event: string, payload: unknown): Promise<unknown>;
    };
    expect(await raw.emitWithAck("run:explode", { experimentId: "x" })).toMatchObject({
      ok: false,
      code: "bad_request",
    });
    expect(await raw.emitWithAck("__proto__", {})).toMatchObject({
      ok: false,
      code: "bad_request",
    });
  });

  it("cuts the sockets of a member who is removed, and of a session that ended", async () => {
    const owner = await signedIn();
    const carol = await signedIn();
    const id = await createRow("epochs: 3\n", {
      visibility: "private",
      ownerId: owner.identity.id,
    });
    await share(id, carol, "runner");
    const tab = client(carol.cookie);
    expect(await tab.emitWithAck("room:join", { experimentId: id })).toMatchObject({
      ok: true,
      state: { role: "runner" },
    });
    const told = new Promise((resolve) => tab.once("access:revoked", resolve));
    const gone = new Promise((resolve) => tab.once("disconnect", resolve));
    await revokeMember(owner.identity.id, id, carol.identity.id);
    expect(await told).toEqual({ experimentId: id, reason: "removed" });
    expect(await gone).toBe("io server disconnect");
    expect(await client(carol.cookie).emitWithAck("room:join", { experimentId: id })).toMatchObject(
      { ok: false, code: "not_found" },
    );

    const mine = client(owner.cookie);
    await mine.emitWithAck("room:join", { experimentId: id });
    const signedOut = new Promise((resolve) => mine.once("access:revoked", resolve));
    await revokeSession(owner.identity.id, owner.identity.sessionId!);
    expect(await signedOut).toEqual({ reason: "signed_out" });
    // The cookie of the ended session is just a visitor now: the private room is not there.
    expect(await client(owner.cookie).emitWithAck("room:join", { experimentId: id })).toMatchObject(
      { ok: false, code: "not_found" },
    );
  });
});
