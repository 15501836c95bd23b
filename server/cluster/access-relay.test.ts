/**
 * Revocations across web nodes, against the real Redis (and PostgreSQL for the nodes).
 *
 * - Two relays with their own event sets: each event reaches the other node once, never comes
 *   back, long sign-outs are split, malformed messages are dropped and relaying goes on.
 * - Two web nodes: A is the studio server in this process, B the cluster fixture in a child
 *   process (its own listeners, reachable only through Redis). Owners revoke through A's HTTP
 *   routes; the Socket.IO and Yjs connections of that user on B (and on A) are cut with the
 *   reason and close code a single node gives, while other users' connections stay.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createSession, SESSION_COOKIE } from "../accounts";
import {
  accessEvents,
  type AccessEvents,
  type AccessRevoked,
  type AccessSource,
} from "../accounts/events";
import {
  createExperiment,
  guest,
  share,
  signedIn,
  synced,
  tabHeaders,
  tabSocket,
  yjsTab,
  type TestCaller,
} from "../collab/testing";
import type { AccessChange } from "../realtime/protocol";
import { startStudioServer, type StudioServer } from "../studio-server";
import {
  accessChannel,
  accessRelay,
  MAX_SESSION_IDS,
  parseRelayMessage,
  type AccessRelay,
} from "./access-relay";
import { startWebNode, type Child } from "./testing/processes";
import { closeRedis, connectRedis, type Redis } from "./redis";
import { testPrefix, testServices, TEST_REDIS_URL } from "./testing/services";

const within = { timeout: 15_000, interval: 20 };

const member = (userId: string): Extract<AccessRevoked, { kind: "member" }> => ({
  kind: "member",
  experimentId: "exp1",
  userId,
  role: null,
});

describe("parseRelayMessage", () => {
  const ok = { from: "node-a", event: member("u1") };
  it.each([
    ["not JSON", "{"],
    ["a list", "[]"],
    ["null", "null"],
    ["no event", JSON.stringify({ from: "node-a" })],
    ["an empty sender", JSON.stringify({ ...ok, from: "" })],
    ["a sender that is not a string", JSON.stringify({ ...ok, from: 7 })],
    ["an event that is a string", JSON.stringify({ ...ok, event: "member" })],
    ["an unknown kind", JSON.stringify({ ...ok, event: { ...ok.event, kind: "all" } })],
    ["a missing role", JSON.stringify({ ...ok, event: { ...ok.event, role: undefined } })],
    ["an unknown role", JSON.stringify({ ...ok, event: { ...ok.event, role: "god" } })],
    ["an id with a slash", JSON.stringify({ ...ok, event: { ...ok.event, experimentId: "a/b" } })],
    ["a numeric user id", JSON.stringify({ ...ok, event: { ...ok.event, userId: 5 } })],
    [
      "an unknown visibility",
      JSON.stringify({
        from: "n",
        event: { kind: "visibility", experimentId: "e", visibility: "secret" },
      }),
    ],
    [
      "session ids that are not strings",
      JSON.stringify({ from: "n", event: { kind: "sessions", userId: "u", sessionIds: [1] } }),
    ],
    [
      "too many session ids",
      JSON.stringify({
        from: "n",
        event: {
          kind: "sessions",
          userId: "u",
          sessionIds: Array.from({ length: MAX_SESSION_IDS + 1 }, (_, i) => `s${i}`),
        },
      }),
    ],
    ["a huge message", JSON.stringify({ ...ok, pad: "x".repeat(100_000) })],
  ])("refuses %s", (_what, raw) => {
    expect(() => parseRelayMessage(raw)).toThrow();
  });

  it("rebuilds the event from the checked fields, leaving unknown ones behind", () => {
    const newer = { ...ok, version: 2, event: { ...ok.event, admin: true } };
    expect(parseRelayMessage(JSON.stringify(newer))).toEqual(ok);
  });

  it.each<AccessRevoked>([
    member("u1"),
    { kind: "member", experimentId: "e", userId: "u", role: "viewer" },
    { kind: "sessions", userId: "u", sessionIds: ["s1", "s2"] },
    { kind: "visibility", experimentId: "e", visibility: "private" },
  ])("reads back %j", (event) => {
    expect(parseRelayMessage(JSON.stringify({ from: "node-a", event }))).toEqual({
      from: "node-a",
      event,
    });
  });
});

describe("two relays, each with its own listeners", () => {
  const prefix = testPrefix();
  type Heard = [AccessRevoked, AccessSource];
  const side = async (nodeId: string) => {
    const pub = connectRedis(TEST_REDIS_URL, `${nodeId}-pub`);
    const sub = connectRedis(TEST_REDIS_URL, `${nodeId}-sub`);
    const events: AccessEvents = accessEvents();
    const heard: Heard[] = [];
    events.on((event, source) => heard.push([event, source]));
    const relay: AccessRelay = await accessRelay({ pub, sub, prefix, nodeId, events });
    return { events, heard, relay, close: () => relay.close().then(() => closeRedis(pub, sub)) };
  };
  let a: Awaited<ReturnType<typeof side>>;
  let b: Awaited<ReturnType<typeof side>>;
  let raw: Redis;

  beforeAll(async () => {
    [a, b] = await Promise.all([side("relay-a"), side("relay-b")]);
    raw = connectRedis(TEST_REDIS_URL, "relay-test");
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await closeRedis(raw);
  });

  it("delivers an event once to each node and never back", async () => {
    const start = { a: a.heard.length, b: b.heard.length };
    const first = member("first");
    a.events.emit(first, "local");
    await expect.poll(() => b.heard.length - start.b, within).toBe(1);
    // Redis delivers in order: once A hears B's next event, an echo of `first` (B publishing it
    // again, or A taking its own message) would have arrived before it; the same the other way.
    const second = member("second");
    b.events.emit(second, "local");
    await expect.poll(() => a.heard.length - start.a, within).toBe(2);
    const third = member("third");
    a.events.emit(third, "local");
    await expect.poll(() => b.heard.length - start.b, within).toBe(3);

    expect(a.heard.slice(start.a)).toEqual([
      [first, "local"],
      [second, "relayed"],
      [third, "local"],
    ]);
    expect(b.heard.slice(start.b)).toEqual([
      [first, "relayed"],
      [second, "local"],
      [third, "relayed"],
    ]);
    expect(a.relay.counts).toMatchObject({ published: 2, relayed: 1 });
    expect(b.relay.counts).toMatchObject({ published: 1, relayed: 2 });
  });

  it("splits a sign-out with many sessions into messages the receiver accepts", async () => {
    const start = b.heard.length;
    const sessionIds = Array.from({ length: MAX_SESSION_IDS * 2 + 7 }, (_, i) => `s${i}`);
    a.events.emit({ kind: "sessions", userId: "many", sessionIds }, "local");
    await expect.poll(() => b.heard.length - start, within).toBe(3);
    const got = b.heard.slice(start).flatMap(([e]) => (e.kind === "sessions" ? e.sessionIds : []));
    expect(got).toEqual(sessionIds);
  });

  it("drops malformed messages and keeps relaying", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      const start = { heard: b.heard.length, dropped: b.relay.counts.dropped };
      const bad = [
        "{",
        "[]",
        JSON.stringify({ from: "x", event: { kind: "member" } }),
        JSON.stringify({ from: "x", event: { ...member("u"), role: "owner!" } }),
        Buffer.from([0xff, 0xfe, 0x00]),
      ];
      for (const message of bad) await raw.publish(accessChannel(prefix), message);
      await expect.poll(() => b.relay.counts.dropped - start.dropped, within).toBe(bad.length);
      expect(b.heard.length).toBe(start.heard);
      expect(errors).toHaveBeenCalledWith(
        expect.stringContaining("dropping a malformed revocation"),
      );

      const after = member("after");
      a.events.emit(after, "local");
      await expect.poll(() => b.heard.at(-1), within).toEqual([after, "relayed"]);
    } finally {
      errors.mockRestore();
    }
  });

  it("refuses to publish a local event the other nodes would drop, and says so", () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      const published = a.relay.counts.published;
      a.events.emit({ ...member("u"), experimentId: "x".repeat(65) }, "local");
      expect(a.relay.counts.published).toBe(published);
      expect(errors).toHaveBeenCalledWith(
        expect.stringContaining("not relayable"),
        expect.anything(),
      );
    } finally {
      errors.mockRestore();
    }
  });

  it("stops at close: unsubscribed, and local events are no longer published", async () => {
    const c = await side("relay-c");
    const subscribers = async () => {
      const [, count] = (await raw.pubsub("NUMSUB", accessChannel(prefix))) as [string, number];
      return count;
    };
    expect(await subscribers()).toBe(3);
    const published = c.relay.counts.published;
    await c.relay.close();
    expect(await subscribers()).toBe(2);
    c.events.emit(member("closed"), "local");
    expect(c.relay.counts.published).toBe(published);
    await c.close();
  });
});

describe("two web nodes: a revocation on A cuts the user's connections on B", () => {
  const services = testServices();
  const closers: (() => unknown)[] = [];
  let nodeA: StudioServer;
  let nodeB: { port: number; child: Child };

  beforeAll(async () => {
    await services.start();
    const cluster = { redisUrl: TEST_REDIS_URL, prefix: services.prefix };
    [nodeB, nodeA] = await Promise.all([
      startWebNode("node-b", {
        DATABASE_URL: services.databaseUrl,
        REDIS_URL: cluster.redisUrl,
        CLIPIG_REDIS_PREFIX: cluster.prefix,
        CLIPIG_DATA_DIR: mkdtempSync(path.join(tmpdir(), "clipig-relay-b-")),
      }),
      startStudioServer({
        port: 0,
        host: "127.0.0.1",
        handle: (_req, res) => res.writeHead(404).end(),
        dataDir: mkdtempSync(path.join(tmpdir(), "clipig-relay-a-")),
        collab: { debounceMs: 50, maxDebounceMs: 200 },
        cluster: { ...cluster, nodeId: "node-a" },
      }),
    ]);
  }, 60_000);

  // Each tab's provider holds a process listener until destroyed: close them after every test.
  afterEach(() => {
    for (const close of closers.splice(0)) close();
  });
  afterAll(async () => {
    await nodeA?.close();
    await nodeB?.child.stop();
    await services.stop();
  }, 30_000);

  /** A studio tab on `port`: a room member over Socket.IO and a Yjs editor, recording how they end. */
  async function tab(port: number, experimentId: string, caller: TestCaller) {
    const headers = tabHeaders(port, caller.cookie);
    const socket = tabSocket(port, headers, { reconnection: false });
    const seen = {
      revoked: [] as { experimentId?: string; reason: AccessChange }[],
      disconnect: null as string | null,
      yjsClosed: null as number | null,
    };
    socket.on("access:revoked", (payload) => seen.revoked.push(payload));
    socket.on("disconnect", (reason) => (seen.disconnect = reason));
    const { provider, text } = yjsTab(port, experimentId, headers);
    // The first close is the server's verdict; no reconnecting after it.
    provider.on("connection-close", (event: CloseEvent | null) => {
      if (seen.yjsClosed !== null) return;
      seen.yjsClosed = event?.code ?? 0;
      provider.disconnect();
    });
    closers.push(
      () => provider.destroy(),
      () => socket.close(),
    );
    expect(await socket.emitWithAck("room:join", { experimentId })).toMatchObject({ ok: true });
    await synced(provider);
    return { socket, provider, text, seen };
  }
  type Tab = Awaited<ReturnType<typeof tab>>;

  const onA = (pathname: string, caller: TestCaller, method: string, body?: unknown) =>
    fetch(`http://127.0.0.1:${nodeA.port}${pathname}`, {
      method,
      headers: {
        ...tabHeaders(nodeA.port, caller.cookie),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  /** Cut as a single node cuts: told why, disconnected by the server, Yjs closed with `code`. */
  async function expectCut(t: Tab, revoked: object, code: number) {
    await expect.poll(() => t.seen.yjsClosed, within).toBe(code);
    await expect.poll(() => t.seen.disconnect, within).toBe("io server disconnect");
    expect(t.seen.revoked).toEqual([revoked]);
  }

  /** Still in: the socket answers a request made after the cut, the Yjs connection still carries edits. */
  async function expectKept(t: Tab, watcher: Tab, mark: string) {
    const experimentId = t.provider.roomname;
    expect(await t.socket.emitWithAck("room:join", { experimentId })).toMatchObject({ ok: true });
    t.text.insert(0, mark);
    await expect.poll(() => watcher.text.toString().includes(mark), within).toBe(true);
    expect(t.seen).toEqual({ revoked: [], disconnect: null, yjsClosed: null });
  }

  it("a member removed on A loses Socket.IO and Yjs on B and on A; another member stays", async () => {
    const [ann, ben, cat] = await Promise.all([signedIn(), signedIn(), signedIn()]);
    const id = await createExperiment("a: 1\n", {
      visibility: "private",
      ownerId: ann.identity.id,
      members: { [ben.identity.id]: "editor", [cat.identity.id]: "editor" },
    });
    const annA = await tab(nodeA.port, id, ann);
    const benA = await tab(nodeA.port, id, ben);
    const benB = await tab(nodeB.port, id, ben);
    const catB = await tab(nodeB.port, id, cat);

    const res = await onA(
      `/api/experiments/${id}/sharing/members/${ben.identity.id}`,
      ann,
      "DELETE",
    );
    expect(res.status).toBe(204);
    await expectCut(benB, { experimentId: id, reason: "removed" }, 4403);
    await expectCut(benA, { experimentId: id, reason: "removed" }, 4403);
    await expectKept(catB, annA, "# cat\n");
  });

  it("a malformed relay message is dropped; B then still cuts a member lowered on A", async () => {
    const [ann, ben, cat] = await Promise.all([signedIn(), signedIn(), signedIn()]);
    const id = await createExperiment("b: 1\n", {
      ownerId: ann.identity.id,
      members: { [ben.identity.id]: "editor", [cat.identity.id]: "editor" },
    });
    const annA = await tab(nodeA.port, id, ann);
    const benB = await tab(nodeB.port, id, ben);
    const catB = await tab(nodeB.port, id, cat);

    const raw = connectRedis(TEST_REDIS_URL, "relay-test-raw");
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined); // node A's log line
    try {
      await raw.publish(accessChannel(services.prefix), JSON.stringify({ from: "x", event: {} }));
      await expect
        .poll(
          () => nodeB.child.output.some((l) => l.includes("dropping a malformed revocation")),
          within,
        )
        .toBe(true);
    } finally {
      errors.mockRestore();
      await closeRedis(raw);
    }
    expect(nodeB.child.process.exitCode).toBeNull();

    const res = await onA(`/api/experiments/${id}/sharing/members`, ann, "POST", {
      username: ben.identity.name,
      role: "viewer",
    });
    expect(res.status).toBe(201);
    // Lowered to viewer: told it changed, Yjs closed to come back read-only.
    await expectCut(benB, { experimentId: id, reason: "changed" }, 4001);
    await expectKept(catB, annA, "# cat\n");
  });

  it("a sign-out on A ends that session's connections on B, not the user's other session", async () => {
    const [ann, dan] = await Promise.all([signedIn(), signedIn()]);
    const id = await createExperiment("c: 1\n", {
      visibility: "private",
      ownerId: ann.identity.id,
      members: { [dan.identity.id]: "editor" },
    });
    const other = await createSession(dan.identity.id);
    const danElsewhere: TestCaller = {
      identity: { ...dan.identity, sessionId: other.sessionId },
      cookie: `${SESSION_COOKIE}=${other.token}`,
    };
    const annA = await tab(nodeA.port, id, ann);
    const danB = await tab(nodeB.port, id, dan);
    const danElsewhereB = await tab(nodeB.port, id, danElsewhere);

    expect((await onA("/api/auth/signout", dan, "POST")).status).toBe(204);
    await expectCut(danB, { reason: "signed_out" }, 4401);
    await expectKept(danElsewhereB, annA, "# dan\n");
  });

  it("going private on A cuts a guest watching on B, not a member", async () => {
    const [ann, cat] = await Promise.all([signedIn(), signedIn()]);
    const id = await createExperiment("d: 1\n", { ownerId: ann.identity.id });
    await share(id, cat, "editor");
    const annA = await tab(nodeA.port, id, ann);
    const guestB = await tab(nodeB.port, id, guest());
    const catB = await tab(nodeB.port, id, cat);

    const res = await onA(`/api/experiments/${id}/sharing/visibility`, ann, "PUT", {
      visibility: "private",
    });
    expect(res.status).toBe(204);
    await expectCut(guestB, { experimentId: id, reason: "removed" }, 4403);
    await expectKept(catB, annA, "# cat\n");
  });
});
