/**
 * The doors: what one address (or one page on a rebound host name) can do before any room is
 * joined. Sign-in limits are per address and per (address, username), so ten wrong passwords from
 * one address lock only that address out of that account; `/metrics` needs the operator's token;
 * open Yjs and Socket.IO connections are capped per address; writes to pages (server actions)
 * need our Origin; a Host header naming some other site is not "our origin" (DNS rebinding).
 *
 * The server trusts a proxy here (`CLIPIG_TRUST_PROXY`'s policy), so X-Forwarded-For makes it see
 * several client addresses over loopback. Caps and sign-in limits are the production defaults.
 */
import { once } from "node:events";
import { request, type IncomingMessage } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { DEFAULT_AUTH_LIMITS } from "../api";
import { DEFAULT_CONNECTION_CAPS } from "../net";
import { crashCounter, startHarness, Tally, type Client, type Harness } from "./testing/harness";

const METRICS_TOKEN = "doors-test-metrics-token-0123456789";
const PASSWORD = "correct horse battery staple";
/** Documentation addresses (RFC 5737), as the proxy would report them. */
const address = (n: number) => `203.0.113.${n}`;

let h: Harness;
const crashes = crashCounter();
/** What the sign-in cases saw (printed with the other figures). */
const signIns = {
  wrongFromA: 0,
  refusedAtA: 0,
  ownerFromB: 0,
  sprayTried: 0,
  sprayAnswered: 0,
  sprayRefused: 0,
  spraySeconds: 0,
};
const tallies = {
  metrics: new Tally("doors: /metrics without the token"),
  caps: new Tally("doors: connections beyond the per-address cap"),
  origin: new Tally("doors: page writes without our Origin, rebound Host names"),
};

beforeAll(async () => {
  process.env.CLIPIG_METRICS_TOKEN = METRICS_TOKEN;
  h = await startHarness({
    server: { requestPolicy: { trustProxy: true, forceSecure: false, origins: { allowed: [] } } },
  });
});

afterAll(() =>
  h.finish(crashes, { suite: "doors: sign-in limits", ...signIns }, ...Object.values(tallies)),
);

const from = (n: number) => ({ "x-forwarded-for": address(n) });

const signUp = async (username: string) => {
  const r = await h.http("/api/auth/signup", {
    method: "POST",
    body: { username, password: PASSWORD },
    headers: from(200),
  });
  expect(r.status, await r.clone().text()).toBe(201);
};

const signIn = (username: string, password: string, n: number) =>
  h.http("/api/auth/signin", { method: "POST", body: { username, password }, headers: from(n) });

describe("sign-in limits", () => {
  it("ten wrong passwords from address A lock A out of that account only; B still signs in", async () => {
    await signUp("lockedout");
    await signUp("neighbour");
    const perAccount = DEFAULT_AUTH_LIMITS.signInPerAccount.burst;
    for (let i = 0; i < perAccount; i++) {
      const r = await signIn("lockedout", `wrong guess ${i}`, 1);
      expect(r.status).toBe(401);
      signIns.wrongFromA++;
    }
    // A is locked for this account, even with the right password, and says for how long.
    for (const password of ["wrong again", PASSWORD]) {
      const r = await signIn("lockedout", password, 1);
      expect(r.status).toBe(429);
      expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
      signIns.refusedAtA++;
    }
    // The owner, from another address, signs in at once.
    const owner = await signIn("lockedout", PASSWORD, 2);
    expect(owner.status).toBe(200);
    expect(owner.headers.get("set-cookie")).toMatch(/clipig_session=/);
    signIns.ownerFromB = owner.status;
    // A itself may still sign in to another account.
    expect((await signIn("neighbour", PASSWORD, 1)).status).toBe(200);
  });

  it("a password spray from one address across many usernames is limited per address", async () => {
    const { burst, perSecond } = DEFAULT_AUTH_LIMITS.signInPerAddress;
    const statuses: number[] = [];
    const started = Date.now();
    for (let i = 0; i < burst + 30; i++) {
      const r = await signIn(`sprayed${i}`, "Winter2026!", 3);
      statuses.push(r.status);
    }
    signIns.spraySeconds = Math.round((Date.now() - started) / 100) / 10;
    signIns.sprayTried = statuses.length;
    signIns.sprayAnswered = statuses.filter((s) => s === 401).length;
    signIns.sprayRefused = statuses.filter((s) => s === 429).length;
    // Each answered attempt costs an Argon2 verification; the bucket refills during the spray.
    const refilled = Math.ceil(((Date.now() - started) / 1000) * perSecond);
    expect(statuses.slice(0, burst).every((s) => s === 401)).toBe(true);
    expect(signIns.sprayAnswered).toBeLessThanOrEqual(burst + refilled);
    expect(signIns.sprayRefused).toBeGreaterThanOrEqual(30 - refilled);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    // Nobody else is slowed down by it.
    expect((await signIn("neighbour", PASSWORD, 4)).status).toBe(200);
  }, 60_000);
});

describe("/metrics", () => {
  it("answers only the scraper holding the token", async () => {
    for (const authorization of [
      undefined,
      "Bearer wrong-token-wrong-token",
      `Bearer ${METRICS_TOKEN.slice(0, -1)}`,
      `Basic ${Buffer.from(`x:${METRICS_TOKEN}`).toString("base64")}`,
    ]) {
      const r = await h.http("/metrics", authorization ? { headers: { authorization } } : {});
      expect(r.status).toBe(401);
      expect(await r.text()).not.toMatch(/clipig_/);
      tallies.metrics.refused(true);
    }
    const ok = await h.http("/metrics", { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/clipig_sockets \d+/);
  });
});

/** Opens a raw Yjs connection from address `n`: "open", or the HTTP status it was refused with. */
async function yjsFrom(n: number, sockets: WebSocket[]): Promise<"open" | number> {
  const ws = h.rawYjs(h.callers.anonymous, h.publicId, { ...h.headers(null), ...from(n) });
  sockets.push(ws);
  return new Promise((resolve) => {
    ws.once("open", () => resolve("open"));
    ws.once("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    ws.once("close", () => resolve(0));
  });
}

/** Opens a Socket.IO connection from address `n`: "open", or the connect error's text. */
async function socketFrom(n: number, sockets: Client[]): Promise<"open" | string> {
  const s = h.socket(null, { ...h.headers(null), ...from(n) });
  sockets.push(s);
  return new Promise((resolve) => {
    s.once("connect", () => resolve("open"));
    s.once("connect_error", (e) => resolve(e.message));
  });
}

/** Tries `open` until it opens (up to 2 s): the server learns of a close a moment after the client. */
async function retry<T>(open: () => Promise<T | "open">): Promise<T | "open"> {
  let outcome = await open();
  for (let i = 0; i < 40 && outcome !== "open"; i++) {
    await new Promise((r) => setTimeout(r, 50));
    outcome = await open();
  }
  return outcome;
}

/** Opens `cap` connections with `open` (each must open), then 5 more: what those 5 got. */
async function beyondCap<T>(cap: number, open: () => Promise<"open" | T>): Promise<("open" | T)[]> {
  const opened = await Promise.all(Array.from({ length: cap }, open));
  expect(opened.every((o) => o === "open")).toBe(true);
  const beyond: ("open" | T)[] = [];
  for (let i = 0; i < 5; i++) {
    const o = await open();
    tallies.caps.refused(o !== "open");
    beyond.push(o);
  }
  return beyond;
}

describe("connections per address", () => {
  it("refuses Yjs connections beyond the cap from one address, serves others, frees on close", async () => {
    const mine: WebSocket[] = [];
    for (const o of await beyondCap(DEFAULT_CONNECTION_CAPS.yjs, () => yjsFrom(10, mine)))
      expect(o).toBe(429);
    // Another address (another family behind another NAT) is served.
    const other = await yjsFrom(11, []);
    expect(other).toBe("open");
    tallies.caps.refused(false);
    // Closing one frees its place (once the server has seen the close).
    mine[0].close();
    await once(mine[0], "close");
    expect(await retry(() => yjsFrom(10, mine))).toBe("open");
    for (const ws of mine) ws.terminate();
  }, 60_000);

  it("refuses Socket.IO connections beyond the cap from one address, serves others, frees on close", async () => {
    const mine: Client[] = [];
    for (const o of await beyondCap(DEFAULT_CONNECTION_CAPS.sockets, () => socketFrom(20, mine)))
      expect(o).not.toBe("open");
    expect(await socketFrom(21, [])).toBe("open");
    tallies.caps.refused(false);
    mine[0].close();
    expect(await retry(() => socketFrom(20, mine))).toBe("open");
    for (const s of mine) s.close();
  }, 60_000);
});

describe("Origin and Host", () => {
  const action = { "next-action": "7f0d3c1e9a", "content-type": "text/plain;charset=UTF-8" };

  it("refuses a server action (POST to a page) without our Origin", async () => {
    const origins: Record<string, string>[] = [
      {}, // no Origin at all: a script or a forged form, never a browser page
      { origin: "null" },
      { origin: "http://evil.example" },
    ];
    for (const headers of origins) {
      const r = await fetch(`${h.base}/e/${h.publicId}`, {
        method: "POST",
        headers: { ...action, cookie: h.callers.owner!.cookie, ...headers },
        body: '["x"]',
      });
      expect(r.status, JSON.stringify(headers)).toBe(403);
      expect(await r.text()).toMatch(/cross-site request refused/);
      tallies.origin.refused(true);
    }
    // With our Origin it reaches the page handler (this harness has no pages: 404), as do GETs.
    const ours = await h.http(`/e/${h.publicId}`, { method: "POST", headers: action, body: "[]" });
    expect(ours.status).toBe(404);
    expect(await ours.text()).toBe("no pages in this test");
    expect((await fetch(`${h.base}/e/${h.publicId}`)).status).toBe(404);
  });

  it("refuses upgrades and writes whose Origin matches a spoofed Host (DNS rebinding)", async () => {
    for (const name of ["rebind.evil.example", "studio.local", "localhost.evil.example"]) {
      const spoofed = {
        host: `${name}:${h.port}`,
        origin: `http://${name}:${h.port}`,
        cookie: h.callers.owner!.cookie,
      };
      const yjs = h.rawYjs(null, h.publicId, spoofed);
      const status = await new Promise<number | "open">((resolve) => {
        yjs.once("open", () => resolve("open"));
        yjs.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
        yjs.once("close", () => resolve(0));
      });
      expect(status, name).toBe(403);
      tallies.origin.refused(status !== "open");

      const socket = h.socket(null, spoofed);
      const outcome = await new Promise<string>((resolve) => {
        socket.once("connect", () => resolve("open"));
        socket.once("connect_error", (e) => resolve(e.message));
      });
      expect(outcome, name).not.toBe("open");
      tallies.origin.refused(outcome !== "open");

      const write = await put(`/api/experiments/${h.publicId}/sharing/visibility`, spoofed, {
        visibility: "private",
      });
      expect(write, name).toBe(403);
      tallies.origin.refused(write === 403);
    }
    // The same requests on the real address work (positive control); the room stayed public.
    expect(await yjsFrom(30, [])).toBe("open");
    const real = { origin: h.origin, cookie: h.callers.owner!.cookie };
    expect(
      await put(`/api/experiments/${h.publicId}/sharing/visibility`, real, {
        visibility: "public",
      }),
    ).toBe(204);
  });
});

/** A PUT with exactly these headers (fetch would not send our own Host header); its status. */
async function put(path: string, headers: Record<string, string>, body: unknown): Promise<number> {
  const text = JSON.stringify(body);
  const req = request(`${h.base}${path}`, {
    method: "PUT",
    headers: {
      ...headers,
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
    },
  });
  req.end(text);
  const [res] = (await once(req, "response")) as [IncomingMessage];
  res.resume();
  return res.statusCode ?? 0;
}
