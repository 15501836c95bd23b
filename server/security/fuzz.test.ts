/**
 * Attacker suite, part 4: 10 000 random messages — 5 000 at Socket.IO (through socket.io-client
 * and as raw engine.io frames) and 5 000 at the Yjs endpoint — from visitors without write rights,
 * while two editors keep working in another room. The server must stay up, the other room must
 * keep working (every edit arrives, every join is answered), and no stored data may change.
 */
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import * as Y from "yjs";
import { db } from "../db/client";
import { createExperiment, share, signedIn, type TestCaller } from "../collab/testing";
import { eventName, pick, rawSocketFrame, rng, value, yjsFrame, type Rng } from "./fuzz";
import { crashCounter, startHarness, synced, type Client, type Harness } from "./testing/harness";

const SEED = Number(process.env.FUZZ_SEED ?? 20240607);
const SOCKET_CLIENT_MESSAGES = 4000;
const SOCKET_RAW_FRAMES = 1000;
const YJS_FRAMES = 5000;
const WORKERS = 6;

let h: Harness;
let otherRoom: string;
let bob: TestCaller;
let carol: TestCaller;
const crashes = crashCounter();

interface Counts {
  tried: number;
  /** Refused with an error code, or the connection closed by the server. */
  rejected: number;
  /** Answered ok: a read the caller may do (joining a public room). */
  accepted: number;
  /** No answer and the connection stayed: dropped writes, reads, ignored frames. */
  absorbed: number;
}
const counts = () => ({ tried: 0, rejected: 0, accepted: 0, absorbed: 0 });
const socketCounts: Counts = counts();
const yjsCounts: Counts = counts();

/** Everything stored that the fuzzers could try to change (the other room's own edits excluded). */
async function storedState() {
  const [experiments, users, sessions, members, links, runs, revisions, updates] =
    await Promise.all([
      db().experiment.findMany({
        where: { id: { not: otherRoom } },
        select: {
          id: true,
          title: true,
          yaml: true,
          visibility: true,
          ownerId: true,
          yjsState: true,
          forkCount: true,
        },
        orderBy: { id: "asc" },
      }),
      db().user.count(),
      db().session.count({ where: { revokedAt: null } }),
      db().member.findMany({ orderBy: [{ experimentId: "asc" }, { userId: "asc" }] }),
      db().shareLink.count(),
      db().run.count(),
      db().revision.count(),
      db().yjsUpdate.count({ where: { experimentId: { not: otherRoom } } }),
    ]);
  // A document stored for the first time gains a compacted state: compare what it says, not its bytes.
  const texts = experiments.map(({ yjsState, ...row }) => {
    const doc = new Y.Doc();
    if (yjsState) Y.applyUpdate(doc, yjsState);
    return {
      ...row,
      text: yjsState ? doc.getText("yaml").toString() : row.yaml,
      keys: [...doc.share.keys()].filter((k) => k !== "yaml"),
    };
  });
  return JSON.stringify({
    experiments: texts,
    users,
    sessions,
    members,
    links,
    runs,
    revisions,
    updates,
  });
}

beforeAll(async () => {
  // Rate limits off: the validators, not the token buckets, must meet every message (the buckets have their own tests).
  const unlimited = { burst: 1e9, perSecond: 1e9 };
  h = await startHarness({ server: { sockets: { rate: unlimited, runRate: unlimited } } });
  bob = await signedIn();
  carol = await signedIn();
  otherRoom = await createExperiment("room: b\n", {
    ownerId: bob.identity.id,
    visibility: "private",
  });
  await share(otherRoom, carol, "editor");
});

afterAll(async () => {
  await h.close();
  crashes.stop();
  for (const [suite, c] of [
    ["fuzz: Socket.IO", socketCounts],
    ["fuzz: Yjs", yjsCounts],
  ] as const)
    console.log(`[security figures] ${JSON.stringify({ suite, ...c, crashes: crashes.count })}`);
});

/** One outcome per message: an ack, an error event, the server closing the socket, or silence. */
async function fuzzSocket(r: Rng, messages: number, ids: readonly string[]) {
  const callers = [null, h.callers.guest, h.callers.stranger, h.callers.viewer];
  let socket: Client | null = null;
  for (let i = 0; i < messages; i++) {
    if (!socket?.connected) {
      socket?.close();
      const fresh = h.socket(pick(r, callers));
      await new Promise((resolve) => fresh.once("connect", () => resolve(null)));
      socket = fresh;
    }
    const s = socket;
    const event = eventName(r);
    const payload = value(r, ids);
    const withAck = r() < 0.9;
    socketCounts.tried++;
    const outcome = await new Promise<"ok" | "refused" | "closed" | "silent">((resolve) => {
      const done = (o: "ok" | "refused" | "closed" | "silent") => {
        clearTimeout(timer);
        s.off("disconnect", onClose);
        s.off("error", onError);
        resolve(o);
      };
      const onClose = () => done("closed");
      const onError = () => done("refused");
      const timer = setTimeout(() => done("silent"), withAck ? 5000 : 10);
      s.once("disconnect", onClose);
      s.once("error", onError);
      const emit = s.emit.bind(s) as unknown as (event: string, ...args: unknown[]) => void;
      const args = r() < 0.1 ? [payload, value(r, ids, 1)] : [payload];
      if (withAck)
        emit(event, ...args, (res: { ok?: boolean } | undefined) =>
          done(res?.ok === true ? "ok" : "refused"),
        );
      else emit(event, ...args);
    });
    if (outcome === "ok") socketCounts.accepted++;
    else if (outcome === "silent") socketCounts.absorbed++;
    else socketCounts.rejected++;
    expect(outcome === "silent" && withAck, `no answer to ${event}`).toBe(false);
  }
  socket?.close();
}

/** Raw engine.io frames: broken packets must close only their own connection. */
async function fuzzRawSocket(r: Rng, frames: number, ids: readonly string[]) {
  let ws: WebSocket | null = null;
  for (let i = 0; i < frames; i++) {
    if (ws?.readyState !== WebSocket.OPEN) {
      ws?.terminate();
      const caller = pick(r, [null, h.callers.guest, h.callers.viewer]);
      ws = new WebSocket(`ws://127.0.0.1:${h.port}/socket.io/?EIO=4&transport=websocket`, {
        headers: h.headers(caller),
      });
      ws.on("error", () => {});
      const [open] = (await once(ws, "message")) as [Buffer];
      expect(open.toString()[0]).toBe("0");
      ws.send("40");
      await once(ws, "message"); // 40{sid} (or 44 when refused)
    }
    const w = ws;
    socketCounts.tried++;
    const outcome = await new Promise<"ok" | "refused" | "closed" | "silent">((resolve) => {
      const done = (o: "ok" | "refused" | "closed" | "silent") => {
        clearTimeout(timer);
        w.off("message", onMessage);
        w.off("close", onClose);
        resolve(o);
      };
      const onClose = () => done("closed");
      const onMessage = (data: Buffer) => {
        const text = data.toString();
        if (text.startsWith("43")) done(text.includes('"ok":true') ? "ok" : "refused");
        else if (text.startsWith('42["error"') || text.startsWith("44")) done("refused");
        else if (text.startsWith("41")) done("closed");
      };
      const timer = setTimeout(() => done("silent"), 10);
      w.on("message", onMessage);
      w.once("close", onClose);
      w.send(rawSocketFrame(r, ids));
    });
    if (outcome === "ok") socketCounts.accepted++;
    else if (outcome === "silent") socketCounts.absorbed++;
    else socketCounts.rejected++;
  }
  ws?.terminate();
}

/**
 * y-websocket frames from visitors who may only read, one fuzzer per room so replies are its own.
 * Each frame is followed by a probe (query awareness): an awareness message back means the frame
 * was taken (a read, or a write dropped); the server closing the socket first means it was refused.
 */
async function fuzzYjs(r: Rng, frames: number, room: string, base: Y.Doc) {
  const PROBE = Uint8Array.of(3);
  let ws: WebSocket | null = null;
  for (let i = 0; i < frames; i++) {
    yjsCounts.tried++;
    if (ws?.readyState !== WebSocket.OPEN) {
      ws?.terminate();
      // Now and then a visitor who may not even read: refused at the upgrade.
      const hidden = r() < 0.1;
      ws = h.rawYjs(
        pick(r, [null, h.callers.guest, h.callers.stranger, h.callers.viewer, h.callers.runner]),
        hidden ? h.privateId : room,
      );
      const opened = await Promise.race([
        once(ws, "message").then(() => true),
        once(ws, "close").then(() => false),
      ]);
      if (!opened) {
        yjsCounts.rejected++;
        continue;
      }
    }
    const w = ws;
    const closed = await new Promise<boolean>((resolve) => {
      const done = (value: boolean) => {
        w.off("close", onClose);
        w.off("message", onMessage);
        resolve(value);
      };
      const onClose = () => done(true);
      const onMessage = (data: Buffer) => data[0] === 1 && done(false);
      w.once("close", onClose);
      w.on("message", onMessage);
      w.send(yjsFrame(r, base));
      w.send(PROBE);
    });
    if (closed) yjsCounts.rejected++;
    else yjsCounts.absorbed++;
  }
  ws?.terminate();
}

describe("10 000 fuzzed messages", () => {
  it("leave the server up, the other room working, and the stored data as it was", async () => {
    // Each Yjs fuzzer gets a public room of its own (same text as the target).
    const targetText = (await db().experiment.findUniqueOrThrow({ where: { id: h.publicId } }))
      .yaml;
    const rooms = await Promise.all(
      Array.from({ length: WORKERS }, () =>
        createExperiment(targetText, {
          ownerId: h.callers.owner!.identity.id,
          visibility: "public",
        }),
      ),
    );
    const before = await storedState();
    // A quiet reader in each fuzz room keeps its document loaded between the fuzzers' reconnects.
    const anchors = [h.publicId, ...rooms].map((room) => h.yjs(null, room));
    await Promise.all(anchors.map((a) => synced(a.provider)));
    const base = new Y.Doc();
    base.getText("yaml").insert(0, targetText);

    // The other room: two editors typing and a watcher joining, all through the fuzz.
    const b = h.yjs(bob, otherRoom);
    const c = h.yjs(carol, otherRoom);
    await Promise.all([synced(b.provider), synced(c.provider)]);
    const watcher = h.socket(carol);
    let typing = true;
    let lines = 0;
    let joins = 0;
    let slowestJoinMs = 0;
    const workload = (async () => {
      while (typing) {
        (lines % 2 ? c : b).text.insert(0, `line ${lines++}\n`);
        const t = Date.now();
        const joined = await watcher
          .timeout(5000)
          .emitWithAck("room:join", { experimentId: otherRoom });
        expect(joined).toMatchObject({ ok: true, state: { role: "editor" } });
        slowestJoinMs = Math.max(slowestJoinMs, Date.now() - t);
        joins++;
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
    })();

    const ids = [
      h.publicId,
      h.privateId,
      otherRoom,
      ...rooms,
      "does-not-exist",
      "../../etc",
      "x".repeat(65),
    ];
    const seeds = Array.from({ length: WORKERS }, (_, i) => rng(SEED + i));
    const only = process.env.FUZZ_ONLY;
    const timed = async (what: string, run: () => Promise<unknown>) => {
      if (only && only !== what) return;
      const t = Date.now();
      await run();
      if (process.env.FUZZ_DEBUG) console.log(`[fuzz] ${what} ${Date.now() - t} ms`);
    };
    await Promise.all([
      timed("socket", () =>
        Promise.all(seeds.map((r) => fuzzSocket(r, SOCKET_CLIENT_MESSAGES / WORKERS, ids))),
      ),
      timed("raw", () =>
        Promise.all(
          seeds.map((_, i) => fuzzRawSocket(rng(SEED + 100 + i), SOCKET_RAW_FRAMES / WORKERS, ids)),
        ),
      ),
      timed("yjs", () =>
        Promise.all(
          rooms.map((room, i) => fuzzYjs(rng(SEED + 200 + i), YJS_FRAMES / WORKERS, room, base)),
        ),
      ),
    ]);
    typing = false;
    await workload;

    expect(socketCounts.tried + yjsCounts.tried).toBeGreaterThanOrEqual(9_996); // integer split over workers
    expect(crashes.count).toBe(0);
    // The other room kept working: every line reached both editors, every join was answered.
    expect(lines).toBeGreaterThan(5);
    const expected = Array.from({ length: lines }, (_, i) => `line ${lines - 1 - i}\n`);
    await expect
      .poll(
        () =>
          b.text
            .toString()
            .split(/(?<=\n)/)
            .filter((l) => l.startsWith("line")).length,
        { timeout: 5000 },
      )
      .toBe(lines);
    expect(c.text.toString()).toBe(b.text.toString());
    expect([...b.text.toString().matchAll(/line \d+\n/g)].map((m) => m[0]).sort()).toEqual(
      expected.sort(),
    );
    expect(joins).toBeGreaterThan(5);

    // Nothing the fuzzers touched changed: the stored rows, and the live documents of their rooms.
    for (const a of anchors) expect(a.text.toString()).toBe(targetText);
    for (const a of anchors) a.provider.destroy();
    for (const room of [h.publicId, ...rooms]) {
      const fresh = h.yjs(h.callers.owner, room);
      await synced(fresh.provider);
      expect(fresh.text.toString()).toBe(targetText);
      fresh.provider.destroy();
    }
    b.provider.destroy();
    c.provider.destroy();
    await expect.poll(() => h.server.collab.loadedCount, { timeout: 5000 }).toBe(0);
    expect(await storedState()).toBe(before);
    // Still serving: a new visitor joins and reads.
    const last = h.socket(null);
    expect(await last.emitWithAck("room:join", { experimentId: h.publicId })).toMatchObject({
      ok: true,
    });
    console.log(
      `[fuzz] other room: ${lines} edits, ${joins} joins, slowest join ${slowestJoinMs} ms; seed ${SEED}`,
    );
  });
});
