import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { opsHandler } from "./handler";
import { readiness } from "./health";
import { Registry } from "./metrics";
import { bearerMatches, metricsTokenFromEnv } from "./metrics-access";
import { studioMetrics } from "./studio-metrics";

describe("metrics registry", () => {
  it("renders counters and scrape-time gauges in the Prometheus text format", async () => {
    let sockets = 3;
    const m = studioMetrics({
      runsQueued: async () => 4,
      runsActive: () => 1,
      sockets: () => sockets,
      yjsDocuments: () => 2,
    });
    m.framesSent.inc(10);
    m.stepsPerSecond.set("r1", 2.5).set("r2", 1.5);
    sockets = 5;
    const text = await m.registry.render();
    expect(text).toContain(
      "# TYPE clipig_frames_sent_total counter\nclipig_frames_sent_total 10\n",
    );
    expect(text).toContain("# TYPE clipig_runs_queued gauge\nclipig_runs_queued 4\n");
    expect(text).toContain("clipig_steps_per_second 4\n");
    expect(text).toContain("clipig_sockets 5\n");
    expect(text).toContain("clipig_yjs_documents 2\n");
    // Every sample line is `name value`, preceded by its HELP and TYPE.
    for (const line of text
      .trim()
      .split("\n")
      .filter((l) => !l.startsWith("#")))
      expect(line).toMatch(/^[a-z_]+ [0-9.e+-]+$/);
  });

  it("refuses bad names, duplicates and decreasing counters; a failing gauge is left out", async () => {
    const r = new Registry();
    expect(() => r.gauge("bad-name", "x", () => 1)).toThrow(/invalid metric name/);
    r.gauge("up", "x", () => 1);
    expect(() => r.gauge("up", "x", () => 1)).toThrow(/twice/);
    expect(() => r.counter("c", "x").inc(-1)).toThrow();
    r.gauge("broken", "x", () => Promise.reject(new Error("redis down")));
    const text = await r.render();
    expect(text).toContain("up 1\n");
    expect(text).toContain("# broken unavailable: redis down");
    expect(text).not.toMatch(/^broken /m);
  });
});

describe("readiness", () => {
  it("reports each check, failing on errors and on checks that hang", async () => {
    const ready = await readiness(
      {
        db: async () => 1,
        redis: () => Promise.reject(new Error("ECONNREFUSED")),
        slow: () => new Promise(() => {}),
      },
      50,
    );
    expect(ready).toEqual({
      ok: false,
      checks: { db: "ok", redis: "ECONNREFUSED", slow: "no answer within 50 ms" },
    });
    expect(await readiness({ db: async () => 1 })).toEqual({ ok: true, checks: { db: "ok" } });
  });
});

describe("ops handler", () => {
  const token = "s3cret-scraper-token-0123";
  let redisUp = true;
  const registry = new Registry();
  registry.gauge("clipig_sockets", "sockets", () => 7);
  const ops = opsHandler({
    checks: {
      db: async () => 1,
      redis: async () => (redisUp ? "PONG" : Promise.reject(new Error("down"))),
    },
    metrics: registry,
    metricsToken: token,
  });
  const off = opsHandler({ checks: {}, metrics: registry, metricsToken: null });
  const server = createServer((req, res) => {
    const handler = req.url?.startsWith("/off") ? off : ops;
    if (req.url?.startsWith("/off")) req.url = req.url.slice(4);
    void handler(req, res).then((handled) => handled || res.writeHead(418).end());
  });
  const ready = new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  afterAll(() => server.close());
  const get = async (path: string, method = "GET", headers: Record<string, string> = {}) => {
    await ready;
    return fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`, {
      method,
      headers,
    });
  };
  const bearer = { authorization: `Bearer ${token}` };

  it("answers health, readiness and metrics, and leaves other URLs alone", async () => {
    expect(await (await get("/healthz")).json()).toEqual({ ok: true });
    const r = await get("/readyz");
    expect(r.status).toBe(200);
    redisUp = false;
    const down = await get("/readyz?x=1");
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ ok: false, checks: { db: "ok", redis: "down" } });
    const metrics = await get("/metrics", "GET", bearer);
    expect(metrics.headers.get("content-type")).toMatch(/^text\/plain; version=0.0.4/);
    expect(await metrics.text()).toContain("clipig_sockets 7");
    expect((await get("/metrics", "POST", bearer)).status).toBe(405);
    expect((await get("/healthzz")).status).toBe(418);
  });

  it("serves metrics only with the bearer token, and not at all without one configured", async () => {
    for (const authorization of [
      undefined,
      "",
      `Bearer ${token}x`,
      `Bearer ${token.slice(0, -1)}`,
      `Basic ${token}`,
      token,
      "Bearer ",
    ]) {
      const r = await get("/metrics", "GET", authorization === undefined ? {} : { authorization });
      expect(r.status, authorization).toBe(401);
      expect(r.headers.get("www-authenticate")).toBe('Bearer realm="metrics"');
      expect(await r.text()).not.toContain("clipig_sockets");
    }
    expect((await get("/metrics", "GET", { authorization: `bearer  ${token}` })).status).toBe(200);
    const closed = await get("/off/metrics", "GET", bearer);
    expect(closed.status).toBe(404);
    expect(await closed.text()).toMatch(/CLIPIG_METRICS_TOKEN/);
    expect((await get("/off/healthz")).status).toBe(200); // health stays public
  });

  it("reads the token from CLIPIG_METRICS_TOKEN and refuses weak ones", () => {
    expect(metricsTokenFromEnv({})).toBeNull();
    expect(metricsTokenFromEnv({ CLIPIG_METRICS_TOKEN: "" })).toBeNull();
    expect(metricsTokenFromEnv({ CLIPIG_METRICS_TOKEN: token })).toBe(token);
    for (const bad of ["short", "has a space in it ok", "x".repeat(513)])
      expect(() => metricsTokenFromEnv({ CLIPIG_METRICS_TOKEN: bad })).toThrow(
        /CLIPIG_METRICS_TOKEN/,
      );
    expect(bearerMatches(`Bearer ${token}`, token)).toBe(true);
    expect(bearerMatches(`Bearer ${token}`, `${token}0`)).toBe(false);
  });
});
