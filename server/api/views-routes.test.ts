// The views route over a real SQLite file, the real router, the real admission threads and the
// real engine in its render process: who may see views, what the PNG holds (the grid of the
// target's views; the run's latest picture when there is one), and the refusals (bad query,
// unknown target, YAML errors, rate, a full render queue, a render past its timeout).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExperiment, signedIn, useTempDatabase, type TestCaller } from "../collab/testing";
import { db } from "../db/client";
import { DEFAULT_QUOTAS } from "../limits";
import { writeImage } from "../runs/images";
import { apiRouter } from "./router";
import { ViewsRenderer, type ViewsRequest } from "./views-process";
import { viewsRoutes, type ViewsRouteOptions } from "./views-routes";

const RANDOM = `model: tiny-clip
epochs: 10
resolution: 32
targets:
  - name: pig
    batch_size: 3
    features:
      - text: a pig
    transforms:
      - noise: 0.1
`;
const PLAIN = `model: tiny-clip
resolution: 16
targets:
  - features:
      - text: a plain pig
`;

let dataDir: string;
const renderer = new ViewsRenderer({ processes: 1, queue: 4, timeoutMs: 60_000 });
let owner: TestCaller;
let stranger: TestCaller;
const servers: Server[] = [];

async function serve(options: Partial<ViewsRouteOptions> = {}) {
  const routes = viewsRoutes({
    dataDir,
    admission: { quotas: DEFAULT_QUOTAS, fetch: {}, dataDir },
    renderer,
    ...options,
  });
  const handle = apiRouter({ routes });
  const server = createServer((req, res) => void handle(req, res));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return (path: string, caller: TestCaller | null = null) =>
    fetch(`${base}${path}`, { headers: caller ? { cookie: caller.cookie } : {} });
}

const errorOf = async (res: Response) =>
  ((await res.json()) as { error: { code: string; message: string; diagnostics?: unknown[] } })
    .error;

beforeAll(async () => {
  dataDir = await useTempDatabase();
  owner = await signedIn();
  stranger = await signedIn();
});

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  await renderer.close();
});

describe("GET /api/experiments/<id>/views", () => {
  it("gives a viewer of a public experiment the grid PNG of the target's views", async () => {
    const get = await serve();
    const id = await createExperiment(RANDOM, { ownerId: owner.identity.id });
    const res = await get(`/api/experiments/${id}/views?target=0&at=0.5&seed=3`, stranger);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
    // 3 views of tiny-clip's 224² input in a 2×2 grid with 2-pixel gaps.
    expect([meta.width, meta.height]).toEqual([2 * 224 + 3 * 2, 2 * 224 + 3 * 2]);
    // By name too, and the same seed gives the same bytes.
    const a = await get(`/api/experiments/${id}/views?target=pig&seed=9`, stranger);
    const b = await get(`/api/experiments/${id}/views?target=pig&seed=9`, null);
    expect(Buffer.from(await a.arrayBuffer())).toEqual(Buffer.from(await b.arrayBuffer()));
  }, 30_000);

  it("answers 404 to a stranger on a private experiment, and for a missing one", async () => {
    const get = await serve();
    const id = await createExperiment(RANDOM, {
      ownerId: owner.identity.id,
      visibility: "private",
    });
    expect((await get(`/api/experiments/${id}/views`, stranger)).status).toBe(404);
    expect((await get(`/api/experiments/${id}/views`, null)).status).toBe(404);
    expect((await get(`/api/experiments/nope/views`, owner)).status).toBe(404);
    expect((await get(`/api/experiments/${id}/views?target=0&seed=1`, owner)).status).toBe(200);
  }, 30_000);

  it("refuses an unknown target, a bad time or seed, and YAML errors with 400", async () => {
    const get = await serve();
    const id = await createExperiment(RANDOM, { ownerId: owner.identity.id });
    const unknown = await get(`/api/experiments/${id}/views?target=7`, owner);
    expect(unknown.status).toBe(400);
    expect((await errorOf(unknown)).message).toContain("targets: 0: pig");
    expect((await get(`/api/experiments/${id}/views?target=cow`, owner)).status).toBe(400);
    for (const at of ["2", "-0.1", "abc", "NaN"]) {
      const res = await get(`/api/experiments/${id}/views?at=${at}`, owner);
      expect(res.status, at).toBe(400);
      expect((await errorOf(res)).message).toContain("'at' must be between 0 and 1");
    }
    expect((await get(`/api/experiments/${id}/views?seed=1.5`, owner)).status).toBe(400);
    const broken = await createExperiment("epochs: [1, 2\ntargets: 3\n", {
      ownerId: owner.identity.id,
    });
    const res = await get(`/api/experiments/${broken}/views`, owner);
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe("invalid_experiment");
    expect(error.diagnostics?.length).toBeGreaterThan(0);
  }, 30_000);

  it("looks at the latest run's newest picture when there is one", async () => {
    const get = await serve();
    const id = await createExperiment(PLAIN, { ownerId: owner.identity.id });
    const run = await db().run.create({
      data: { experimentId: id, yaml: PLAIN, model: "tiny-clip", seed: 1, status: "stopped" },
    });
    const rgba = new Uint8ClampedArray(8 * 8 * 4);
    for (let i = 0; i < rgba.length; i += 4) rgba.set([200, 40, 120, 255], i);
    const imagePath = await writeImage(dataDir, run.id, "snap-5.png", {
      epoch: 5,
      width: 8,
      height: 8,
      rgba,
    });
    await db().snapshot.create({ data: { runId: run.id, epoch: 5, imagePath } });
    const res = await get(`/api/experiments/${id}/views`, owner);
    expect(res.status).toBe(200);
    const { data, info } = await sharp(Buffer.from(await res.arrayBuffer()))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([224 + 4, 224 + 4]);
    const at = (x: number, y: number) => [
      ...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3),
    ];
    expect(at(100, 100)).toEqual([200, 40, 120]);
    expect(at(0, 0)).toEqual([32, 32, 32]); // the grid's gap
  }, 30_000);

  it("limits each caller's renders", async () => {
    const get = await serve({ rate: { perSecond: 0.001, burst: 1 } });
    const id = await createExperiment(PLAIN, { ownerId: owner.identity.id });
    expect((await get(`/api/experiments/${id}/views`, owner)).status).toBe(200);
    const second = await get(`/api/experiments/${id}/views`, owner);
    expect(second.status).toBe(429);
    expect(second.headers.get("retry-after")).toMatch(/^\d+$/);
    expect((await get(`/api/experiments/${id}/views`, stranger)).status).toBe(200);
  }, 30_000);
});

describe("ViewsRenderer", () => {
  const request = (yaml: string): ViewsRequest => ({
    yaml,
    target: 0,
    at: 0,
    seed: 1,
    picture: null,
    images: {},
  });
  // 32 views of a 1024² image: long enough to be caught by a 100 ms timeout.
  const HEAVY = `model: tiny-clip\nresolution: 1024\ntargets:\n  - batch_size: 32\n    features: [{text: x}]\n    transforms:\n      - random_rotate:\n          degree: [-30, 30]\n`;

  it("kills a render past its timeout (the process is gone) and renders the next in a fresh one", async () => {
    const r = new ViewsRenderer({ processes: 1, queue: 1, timeoutMs: 100 });
    try {
      // The timeout counts from when a ready process takes the render: the first one boots first.
      const slow = r.render(request(HEAVY));
      await expect.poll(() => r.pids.length, { timeout: 30_000 }).toBe(1);
      const [pid] = r.pids;
      expect(await slow).toMatchObject({ ok: false, code: "views_timeout" });
      expect(r.stopped).toBe(1);
      expect(r.pids).not.toContain(pid);
      expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
      // One render may wait (here: for a fresh process), the next is refused.
      const waiting = r.render(request(HEAVY));
      expect(await r.render(request(PLAIN))).toMatchObject({ ok: false, code: "busy" });
      expect(await waiting).toMatchObject({ ok: false, code: "views_timeout" });
      expect(r.stopped).toBe(2);
    } finally {
      await r.close();
    }
    const fresh = new ViewsRenderer({ processes: 1, queue: 1, timeoutMs: 60_000 });
    try {
      const done = await fresh.render(request(PLAIN));
      expect(done.ok).toBe(true);
    } finally {
      await fresh.close();
    }
  }, 90_000);
});
