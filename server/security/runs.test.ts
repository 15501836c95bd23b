/**
 * Attacker suite, part 2: hostile experiments at `run:start`, end to end through the real server.
 * SSRF: image URLs aimed at loopback (127.0.0.1, ::1, localhost, a name resolving there, and
 * redirects to each) must be refused while canary servers on loopback count 0 connections; private,
 * link-local and unique-local targets (literal or through a stubbed resolver) must open no
 * connection at all. Quotas: oversize experiments come back as diagnostics at their line, and
 * nothing is queued. A positive control proves vetted images do reach the trainer.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import sharp from "sharp";
import { db } from "../db/client";
import { DEFAULT_QUOTAS } from "../limits";
import {
  guardConnections,
  startServer,
  type ConnectionGuard,
  type TestServer,
} from "../net/testing";
import type { Resolver } from "../net";
import { saveUpload } from "../uploads";
import { crashCounter, startHarness, Tally, type Client, type Harness } from "./testing/harness";

let h: Harness;
let canary4: TestServer;
let canary6: TestServer;
let redirector: TestServer;
let images: TestServer;
let guard: ConnectionGuard;
let runner: Client;
let png: Buffer;
const ssrf = new Tally("SSRF end to end against the loopback canary");
const quota = new Tally("quotas on run start");
const crashes = crashCounter();

/** Names resolve only here: the suite never asks real DNS. */
const ZONE: Record<string, string[]> = {
  "loopback.test": ["127.0.0.1"],
  "v6loop.test": ["::1"],
  "private.test": ["10.1.2.3"],
  "metadata.test": ["169.254.169.254"],
  "ula.test": ["fd12:3456::1"],
  "cgnat.test": ["100.64.0.7"],
  "mixed.test": ["93.184.216.34", "192.168.1.1"],
};
const resolver: Resolver = async (name) =>
  (ZONE[name.toLowerCase()] ?? []).map((address) => ({
    address,
    family: address.includes(":") ? 6 : 4,
  }));

const experiment = (image: string, where: "init" | "feature" = "init") =>
  where === "init"
    ? `model: tiny-clip\nepochs: 5\nresolution: 32\ninit:\n  image: ${image}\ntargets:\n  - features:\n      - text: a pig\n`
    : `model: tiny-clip\nepochs: 5\nresolution: 32\ntargets:\n  - features:\n      - image: ${image}\n`;

async function start(yaml: string) {
  await db().experiment.update({ where: { id: h.publicId }, data: { yaml } });
  return runner.emitWithAck("run:start", { experimentId: h.publicId });
}

beforeAll(async () => {
  png = await sharp({ create: { width: 16, height: 16, channels: 3, background: "#0af" } })
    .png()
    .toBuffer();
  const serve = (_req: unknown, res: import("node:http").ServerResponse) =>
    res.writeHead(200, { "content-type": "image/png" }).end(png);
  canary4 = await startServer(serve, "127.0.0.1");
  canary6 = await startServer(serve, "::1");
  images = await startServer(serve, "127.0.0.1");
  redirector = await startServer((req, res) => {
    const to = new URL(req.url ?? "/", "http://x").searchParams.get("to") ?? "/";
    res.writeHead(302, { location: to }).end();
  });
  h = await startHarness({
    admission: {
      quotas: { ...DEFAULT_QUOTAS, maxQueuedRuns: 2 },
      // Ports are open for the suite, so a refusal can only come from the address policy; only the
      // redirector and the image server (the positive control) are exempt, by exact address:port.
      fetch: {
        resolver,
        allowedPorts: "any",
        allowEndpoints: [`127.0.0.1:${redirector.port}`, `127.0.0.1:${images.port}`],
        timeoutMs: 3000,
      },
    },
    // Many starts in a row from one user: the per-user start limit has its own test (payloads).
    server: {
      sockets: {
        runRate: { burst: 1000, perSecond: 1000 },
        rate: { burst: 1000, perSecond: 1000 },
      },
    },
  });
  guard = guardConnections();
  runner = h.socket(h.callers.runner);
  expect(await runner.emitWithAck("room:join", { experimentId: h.publicId })).toMatchObject({
    ok: true,
  });
});

afterAll(async () => {
  guard.restore();
  await h.close();
  await Promise.all([canary4, canary6, redirector, images].map((s) => s.close()));
  crashes.stop();
  ssrf.report(crashes.count);
  quota.report(crashes.count);
  expect(crashes.count).toBe(0);
});

describe("SSRF through init.image and features.image", () => {
  it("refuses loopback in every spelling and through redirects; the canaries are never hit", async () => {
    const c4 = canary4.port;
    const c6 = canary6.port;
    const direct = [
      `http://127.0.0.1:${c4}/i.png`,
      `http://127.1:${c4}/i.png`,
      `http://0x7f.0.0.1:${c4}/i.png`,
      `http://2130706433:${c4}/i.png`,
      `http://[::1]:${c6}/i.png`,
      `http://[::ffff:127.0.0.1]:${c4}/i.png`,
      `http://localhost:${c4}/i.png`,
      `http://LOCALHOST.:${c4}/i.png`,
      `http://api.localhost:${c4}/i.png`,
      `http://loopback.test:${c4}/i.png`,
      `http://v6loop.test:${c6}/i.png`,
      `https://127.0.0.1:${c4}/i.png`,
    ];
    const viaRedirect = direct.map(
      (u) => `http://127.0.0.1:${redirector.port}/?to=${encodeURIComponent(u)}`,
    );
    const runsBefore = await db().run.count();
    for (const where of ["init", "feature"] as const) {
      for (const url of [...direct, ...viaRedirect]) {
        const res = await start(experiment(`"${url}"`, where));
        expect(res, url).toMatchObject({ ok: false, code: "invalid_experiment" });
        if (res.ok) continue;
        const d = res.diagnostics?.[0];
        expect(d?.path).toBe(where === "init" ? "init.image" : "targets[0].features[0].image");
        expect(d?.line).toBe(where === "init" ? 5 : 6);
        expect(d?.message, url).toMatch(/loopback|localhost|not fetched/); // refused for the address, not by chance
        ssrf.refused(true);
      }
    }
    expect(canary4.connections + canary6.connections).toBe(0);
    expect(redirector.connections).toBeGreaterThan(0); // the redirects were followed up to the check
    expect(await db().run.count()).toBe(runsBefore);
  });

  it("refuses private, link-local, CGNAT and unique-local targets without opening any connection", async () => {
    const attempts = guard.targets.length;
    for (const url of [
      "http://10.0.0.1/i.png",
      "http://192.168.0.10:8080/i.png",
      "http://169.254.169.254/latest/meta-data/",
      "http://[fd00::1]/i.png",
      "http://[fe80::1]/i.png",
      "http://private.test/i.png",
      "http://metadata.test/i.png",
      "http://ula.test/i.png",
      "http://cgnat.test/i.png",
      "http://mixed.test/i.png",
      "http://unknown.test/i.png",
    ]) {
      const res = await start(experiment(`"${url}"`));
      expect(res, url).toMatchObject({ ok: false, code: "invalid_experiment" });
      ssrf.refused(!res.ok);
    }
    // Only the socket.io round trips to the studio itself: no attempt towards any target.
    const opened = guard.targets.slice(attempts).filter((t) => !t.endsWith(`:${h.port}`));
    expect(opened).toEqual([]);
    expect(guard.blocked).toEqual([]);
  });

  it("never opens a path or a non-http URL, and only its own upload ids", async () => {
    for (const src of [
      "/etc/passwd",
      "../../clipig.db",
      "file:///etc/passwd",
      "gopher://127.0.0.1/",
      "upload:../../x",
      `upload:${"A".repeat(22)}`,
      "C:\\\\boot.ini",
    ]) {
      const res = await start(experiment(`'${src}'`));
      expect(res, src).toMatchObject({ ok: false, code: "invalid_experiment" });
      ssrf.refused(!res.ok);
    }
  });

  it("positive control: an upload and an allowed URL reach the trainer as vetted PNGs, and the run finishes", async () => {
    const upload = await saveUpload(png, { dataDir: h.dataDir });
    const yaml = `model: tiny-clip\nepochs: 4\nresolution: 32\ninit:\n  image: upload:${upload.id}\ntargets:\n  - features:\n      - image: "http://127.0.0.1:${images.port}/pig.png"\n`;
    const done = new Promise<string>((resolve) =>
      runner.once("done", ({ runId }) => resolve(runId)),
    );
    const res = await start(yaml);
    expect(res).toMatchObject({ ok: true });
    const runId = await done;
    expect((await db().run.findUniqueOrThrow({ where: { id: runId } })).status).toBe("done");
    expect(images.connections).toBe(1);
  });
});

describe("quotas at run start", () => {
  it("answers oversize experiments with diagnostics at their line, and queues nothing", async () => {
    const runsBefore = await db().run.count();
    const deep = `${"(".repeat(40)}1${")".repeat(40)}`;
    const cases: [string, string, string][] = [
      [
        "resolution",
        "epochs: 5\nresolution: 5000\ntargets:\n  - features:\n      - text: x\n",
        "resolution",
      ],
      ["epochs", "epochs: 99999999\ntargets:\n  - features:\n      - text: x\n", "epochs"],
      [
        "batch size",
        "epochs: 5\ntargets:\n  - batch_size: 4096\n    features:\n      - text: x\n",
        "targets[0].batch_size",
      ],
      [
        "growing resolution",
        "epochs: 100\nresolution: 32 + t * 4000\ntargets:\n  - features:\n      - text: x\n",
        "resolution",
      ],
      [
        "long expression",
        `epochs: 5\nlearnrate: ${"1+".repeat(800)}1\ntargets:\n  - features:\n      - text: x\n`,
        "learnrate",
      ],
      [
        "deep expression",
        `epochs: 5\nlearnrate: ${deep}\ntargets:\n  - features:\n      - text: x\n`,
        "learnrate",
      ],
      [
        "views per epoch",
        `epochs: 5\ntargets:\n${"  - batch_size: 32\n    transforms:\n      - noise: 0.1\n    features:\n      - text: x\n".repeat(4)}`,
        "targets",
      ],
      ["YAML bytes", `epochs: 5\n# ${"x".repeat(70 * 1024)}\n`, ""],
    ];
    for (const [what, yaml, path] of cases) {
      const res = await start(`model: tiny-clip\n${yaml}`);
      expect(res, what).toMatchObject({ ok: false, code: "invalid_experiment" });
      if (!res.ok)
        expect(
          res.diagnostics?.map((d) => d.path).some((p) => p.startsWith(path)),
          `${what}: ${JSON.stringify(res.diagnostics)}`,
        ).toBe(true);
      quota.refused(!res.ok);
    }
    expect(await db().run.count()).toBe(runsBefore);
  });

  it("limits runs waiting per user", async () => {
    await db().run.createMany({
      data: [0, 1].map(() => ({
        experimentId: h.privateId,
        userId: h.callers.runner!.identity.id,
        yaml: "",
        model: "tiny-clip",
        seed: 1,
        status: "queued",
      })),
    });
    const res = await start(
      experiment("upload:" + "B".repeat(22)).replace(/init:\n  image: .*\n/, ""),
    );
    expect(res).toMatchObject({ ok: false, code: "rate_limited" });
    quota.refused(!res.ok);
    await db().run.deleteMany({ where: { experimentId: h.privateId, status: "queued" } });
  });
});
