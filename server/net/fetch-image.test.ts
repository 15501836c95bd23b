import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServerResponse } from "node:http";
import sharp from "sharp";
import { FetchRefused, type FetchRefusal } from "./errors";
import { fetchImage, fetchOptionsFromEnv, type FetchOptions } from "./fetch-image";
import { guardConnections, startServer, type ConnectionGuard, type TestServer } from "./testing";
import type { Resolver } from "./url-policy";

// Every server here listens on loopback; no test sends traffic anywhere else.
let png: Buffer;
let jpeg: Buffer;
let canary4: TestServer;
let canary6: TestServer;
let img: TestServer;
let guard: ConnectionGuard;
const closed: string[] = [];

function stream(res: ServerResponse, path: string, forever: (write: () => void) => void) {
  res.on("close", () => closed.push(path));
  forever(() => res.write(Buffer.alloc(64 * 1024, 7)));
}

beforeAll(async () => {
  guard = guardConnections();
  png = await sharp({ create: { width: 16, height: 8, channels: 3, background: "#00ff00" } })
    .png()
    .toBuffer();
  jpeg = await sharp({ create: { width: 10, height: 10, channels: 3, background: "#0000ff" } })
    .jpeg()
    .toBuffer();
  // The canaries answer with a perfectly good image: if a request ever got through, it would succeed.
  canary4 = await startServer((_req, res) => res.end(png), "127.0.0.1");
  canary6 = await startServer((_req, res) => res.end(png), "::1");
  img = await startServer((req, res) => {
    const u = new URL(req.url ?? "/", "http://x");
    const send = (type: string, body: Buffer | string) =>
      res.writeHead(200, { "content-type": type }).end(body);
    switch (u.pathname) {
      case "/png":
        return send("image/png", png);
      case "/jpeg":
        return send("image/jpeg", jpeg);
      case "/redirect":
        return res
          .writeHead(Number(u.searchParams.get("status") ?? 302), {
            location: u.searchParams.get("to") ?? "/",
          })
          .end();
      case "/loop":
        return res.writeHead(302, { location: "/loop" }).end();
      case "/html":
        return send("image/png", "<!doctype html><h1>not an image</h1>");
      case "/svg":
        return send(
          "image/svg+xml",
          '<svg xmlns="http://www.w3.org/2000/svg"><image href="http://127.0.0.1/"/></svg>',
        );
      case "/gzip":
        return res
          .writeHead(200, { "content-type": "image/png", "content-encoding": "gzip" })
          .end(png);
      case "/missing":
        return res.writeHead(404).end("no");
      case "/declared-huge":
        res.writeHead(200, {
          "content-type": "image/png",
          "content-length": String(50 * 1024 * 1024),
        });
        return stream(res, u.pathname, (w) => w());
      case "/endless":
        res.writeHead(200, { "content-type": "image/png" });
        return stream(res, u.pathname, (w) => {
          const t = setInterval(w, 1);
          res.on("close", () => clearInterval(t));
        });
      case "/trickle":
        res.writeHead(200, { "content-type": "image/png", "content-length": "1000000" });
        return stream(res, u.pathname, () => {
          const t = setInterval(() => res.write("x"), 50);
          res.on("close", () => clearInterval(t));
        });
      case "/hang":
        return void res.on("close", () => closed.push(u.pathname));
      default:
        return res.writeHead(404).end();
    }
  }, "127.0.0.1");
});

afterAll(async () => {
  expect(guard.blocked).toEqual([]); // nothing ever tried to leave loopback
  guard.restore();
  await Promise.all([canary4, canary6, img].map((s) => s?.close()));
});

/** The test image server is the one loopback endpoint these options let through. */
const opts = (extra: Partial<FetchOptions> = {}): Partial<FetchOptions> => ({
  allowEndpoints: [`127.0.0.1:${img.port}`],
  allowedPorts: "any",
  timeoutMs: 5_000,
  ...extra,
});

async function refusal(
  url: string,
  options: Partial<FetchOptions> = opts(),
): Promise<FetchRefused> {
  const e = await fetchImage(url, options).then(
    () => null,
    (x: unknown) => x,
  );
  expect(e, url).toBeInstanceOf(FetchRefused);
  return e as FetchRefused;
}

const redirectTo = (to: string, status = 302) =>
  img.url(`/redirect?status=${status}&to=${encodeURIComponent(to)}`);

describe("fetchImage: fetches and re-encodes images", () => {
  it("a PNG and, through a redirect, a JPEG", async () => {
    const a = await fetchImage(img.url("/png"), opts());
    expect([a.width, a.height, a.format, a.redirects]).toEqual([16, 8, "png", 0]);
    const b = await fetchImage(redirectTo("/jpeg", 301), opts());
    expect([b.width, b.height, b.format, b.redirects]).toEqual([10, 10, "jpeg", 1]);
    expect((await sharp(b.png).metadata()).format).toBe("png");
    expect(b.url).toBe(img.url("/jpeg"));
  });
});

describe("SSRF: the loopback canaries are never reached", () => {
  const direct = () => [
    `http://127.0.0.1:${canary4.port}/`,
    `http://127.1:${canary4.port}/`,
    `http://0x7f.0.0.1:${canary4.port}/`,
    `http://2130706433:${canary4.port}/`,
    `http://0.0.0.0:${canary4.port}/`,
    `http://[::ffff:127.0.0.1]:${canary4.port}/`,
    `http://localhost:${canary4.port}/`,
    `http://LOCALHOST.:${canary4.port}/`,
    `http://images.localhost:${canary4.port}/`,
    `http://[::1]:${canary6.port}/`,
    `http://[0:0:0:0:0:0:0:1]:${canary6.port}/`,
    `http://[::]:${canary6.port}/`,
    `http://localhost:${canary6.port}/`,
    `https://127.0.0.1:${canary4.port}/`,
  ];

  it("direct URLs to 127.0.0.1, ::1 and localhost in every spelling", async () => {
    for (const url of direct())
      expect(["private_address", "host"], url).toContain((await refusal(url)).code);
    expect([canary4.connections, canary6.connections]).toEqual([0, 0]);
  });

  it("redirects to them, with every redirect status", async () => {
    for (const url of direct()) {
      for (const status of [301, 302, 303, 307, 308]) {
        expect(["private_address", "host"], url).toContain(
          (await refusal(redirectTo(url, status))).code,
        );
      }
    }
    // a redirect to the canary after a harmless first hop
    expect((await refusal(redirectTo(redirectTo(`http://[::1]:${canary6.port}/`)))).code).toBe(
      "private_address",
    );
    expect([canary4.connections, canary6.connections]).toEqual([0, 0]);
  });

  it("a public-looking name that resolves to loopback", async () => {
    const resolver: Resolver = async () => [{ address: "127.0.0.1", family: 4 }];
    expect((await refusal(`http://images.example:${canary4.port}/`, opts({ resolver }))).code).toBe(
      "private_address",
    );
    const six: Resolver = async () => [{ address: "::1", family: 6 }];
    expect(
      (await refusal(redirectTo(`http://cdn.example:${canary6.port}/`), opts({ resolver: six })))
        .code,
    ).toBe("private_address");
    expect([canary4.connections, canary6.connections]).toEqual([0, 0]);
  });

  it("connects to the vetted address only: no second lookup for DNS rebinding to use", async () => {
    const asked: string[] = [];
    // First answer: the allowed endpoint. Any later answer would point at the canary's address
    // family... but there must be no later question.
    const rebinding: Resolver = async (name) => {
      asked.push(name);
      return [
        { address: asked.length === 1 ? "127.0.0.1" : "::1", family: asked.length === 1 ? 4 : 6 },
      ];
    };
    const got = await fetchImage(
      `http://rebind.example:${img.port}/png`,
      opts({ resolver: rebinding }),
    );
    expect(got.width).toBe(16);
    expect(asked).toEqual(["rebind.example"]);
    expect(img.requests.at(-1)).toBe(`rebind.example:${img.port} /png`);
  });

  it("and the canaries do count: with the policy off (CLIPIG_ALLOW_PRIVATE_URLS) they are reached", async () => {
    const before = guard.targets.length;
    const got = await fetchImage(`http://127.0.0.1:${canary4.port}/`, {
      allowPrivate: true,
      allowedPorts: "any",
    });
    expect(got.width).toBe(16);
    expect(canary4.connections).toBe(1);
    expect(guard.targets.slice(before)).toEqual([`127.0.0.1:${canary4.port}`]); // and so does the guard used below
    canary4.connections = 0;
  });
});

describe("SSRF: private, link-local and unique-local ranges via a stubbed resolver open no connection", () => {
  const cases: [string, string][] = [
    ["10.0.0.5", "private"],
    ["172.16.4.2", "private"],
    ["192.168.0.1", "private"],
    ["100.64.1.1", "carrier-grade NAT"],
    ["169.254.169.254", "link-local"],
    ["fe80::1", "link-local"],
    ["fc00::5", "unique-local"],
    ["fd00:ec2::254", "unique-local"],
    ["::ffff:10.0.0.1", "private"],
    ["::ffff:169.254.169.254", "link-local"],
    ["224.0.0.251", "multicast"],
    ["255.255.255.255", "broadcast"],
  ];

  it.each(cases)("a name resolving to %s (%s)", async (address, why) => {
    const resolver: Resolver = async () => [{ address, family: address.includes(":") ? 6 : 4 }];
    const before = guard.targets.length;
    const e = await refusal(
      "http://internal.example/metadata",
      opts({ resolver, allowedPorts: [80] }),
    );
    expect(e.code).toBe("private_address");
    expect(e.message).toContain(why);
    const literal = address.includes(":") ? `[${address}]` : address;
    expect((await refusal(`http://${literal}/`, opts())).code).toBe("private_address");
    expect(guard.targets.slice(before)).toEqual([]);
  });

  it("one private answer among public ones refuses the name", async () => {
    const resolver: Resolver = async () => [
      { address: "93.184.215.14", family: 4 },
      { address: "10.0.0.1", family: 4 },
    ];
    const before = guard.targets.length;
    expect((await refusal("http://mixed.example/", opts({ resolver }))).code).toBe(
      "private_address",
    );
    expect(guard.targets.slice(before)).toEqual([]);
  });

  it("names, schemes, credentials and ports are refused before any lookup", async () => {
    const asked: string[] = [];
    const resolver: Resolver = async (n) => (asked.push(n), [{ address: "127.0.0.1", family: 4 }]);
    const o = { resolver };
    const cases: [string, FetchRefusal][] = [
      ["file:///etc/passwd", "scheme"],
      ["ftp://example.com/a.png", "scheme"],
      ["data:image/png;base64,iVBORw0KGgo=", "scheme"],
      ["gopher://example.com:70/", "scheme"],
      ["http://user:pw@example.com/a.png", "credentials"],
      ["http://user@example.com/a.png", "credentials"],
      ["http://intranet/a.png", "host"],
      ["http://example.com:22/", "port"],
      ["http://example.com:6379/", "port"],
      ["not a url", "bad_url"],
      [`http://example.com/${"a".repeat(3000)}`, "bad_url"],
    ];
    for (const [url, code] of cases) expect((await refusal(url, o)).code, url).toBe(code);
    expect(asked).toEqual([]);
    expect((await refusal(redirectTo("file:///etc/passwd"))).code).toBe("scheme");
    expect((await refusal(redirectTo(`http://u:p@127.0.0.1:${img.port}/png`))).code).toBe(
      "credentials",
    );
  });
});

describe("limits and hostile servers", () => {
  it("stops after three redirects", async () => {
    const before = img.requests.length;
    expect((await refusal(img.url("/loop"))).code).toBe("too_many_redirects");
    expect(img.requests.length - before).toBe(4);
  });

  it("refuses a declared oversized body without reading it, and cuts an endless one at the limit", async () => {
    let t0 = performance.now();
    expect((await refusal(img.url("/declared-huge"))).code).toBe("too_large");
    expect(performance.now() - t0).toBeLessThan(1_000);
    t0 = performance.now();
    expect((await refusal(img.url("/endless"), opts({ maxBytes: 1024 * 1024 }))).code).toBe(
      "too_large",
    );
    expect(performance.now() - t0).toBeLessThan(3_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(closed).toEqual(expect.arrayContaining(["/declared-huge", "/endless"]));
  });

  it("gives up on slow and silent servers at the deadline", async () => {
    for (const path of ["/trickle", "/hang"]) {
      const t0 = performance.now();
      expect((await refusal(img.url(path), opts({ timeoutMs: 400 }))).code).toBe("timeout");
      const ms = performance.now() - t0;
      expect(ms).toBeGreaterThanOrEqual(390);
      expect(ms).toBeLessThan(2_000);
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(closed).toEqual(expect.arrayContaining(["/trickle", "/hang"]));
  });

  it("refuses non-images, SVG, compressed bodies and error statuses", async () => {
    expect((await refusal(img.url("/html"))).code).toBe("not_an_image");
    expect((await refusal(img.url("/svg"))).code).toBe("not_an_image");
    expect((await refusal(img.url("/gzip"))).code).toBe("encoding");
    expect((await refusal(img.url("/missing"))).code).toBe("status");
  });
});

describe("fetchOptionsFromEnv", () => {
  it("keeps the policy on unless CLIPIG_ALLOW_PRIVATE_URLS is exactly 1", () => {
    expect(fetchOptionsFromEnv({})).toEqual({});
    expect(fetchOptionsFromEnv({ CLIPIG_ALLOW_PRIVATE_URLS: "true" })).toEqual({});
    expect(fetchOptionsFromEnv({ CLIPIG_ALLOW_PRIVATE_URLS: "0" })).toEqual({});
    expect(fetchOptionsFromEnv({ CLIPIG_ALLOW_PRIVATE_URLS: "1" })).toEqual({
      allowPrivate: true,
      allowedPorts: "any",
    });
  });
});
