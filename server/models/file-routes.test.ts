// The model-file routes over a real loopback server: the manifest, whole files, ranges, ETags, and
// the refusals (no cookie, a file or a path that is not a model's, a model not installed).
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiRouter } from "../api/router";
import { encodeGuest, GUEST_COOKIE, newGuest } from "../auth/guest";
import { requestPolicyFromEnv } from "../auth/request";
import { TINY_CLIP_DIR } from "../engine/platform/model-store";
import { modelFileRoutes, parseRange } from "./file-routes";

let server: Server;
let base = "";
const cookie = `${GUEST_COOKIE}=${encodeGuest(newGuest())}`;
const get = (p: string, headers: Record<string, string> = {}) =>
  fetch(`${base}${p}`, { headers: { cookie, ...headers } });

beforeAll(async () => {
  const handle = apiRouter({
    routes: modelFileRoutes({ modelsDir: "/nonexistent-models" }),
    policy: requestPolicyFromEnv({}),
  });
  server = createServer((req, res) => {
    void handle(req, res).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("model files over HTTP", () => {
  it("lists tiny-clip's four files with sizes and ETags, and sends them byte for byte", async () => {
    const res = await get("/api/models/tiny-clip/files");
    expect(res.status).toBe(200);
    const manifest = (await res.json()) as {
      files: { name: string; bytes: number; etag: string }[];
    };
    expect(manifest.files.map((f) => f.name)).toEqual([
      "config.json",
      "vocab.json",
      "merges.txt",
      "model.safetensors",
    ]);
    const weights = manifest.files[3];
    const file = readFileSync(path.join(TINY_CLIP_DIR, "model.safetensors"));
    expect(weights.bytes).toBe(file.byteLength);
    const body = await get("/api/models/tiny-clip/files/model.safetensors");
    expect(body.headers.get("etag")).toBe(weights.etag);
    const got = Buffer.from(await body.arrayBuffer());
    expect(createHash("sha256").update(got).digest("hex")).toBe(
      createHash("sha256").update(file).digest("hex"),
    );
    const again = await get("/api/models/tiny-clip/files/model.safetensors", {
      "if-none-match": weights.etag,
    });
    expect(again.status).toBe(304);
  });

  it("answers a Range with 206 and exactly those bytes", async () => {
    const file = readFileSync(path.join(TINY_CLIP_DIR, "config.json"));
    const res = await get("/api/models/tiny-clip/files/config.json", { range: "bytes=5-14" });
    expect(res.status).toBe(206);
    expect(res.headers.get("content-range")).toBe(`bytes 5-14/${file.byteLength}`);
    expect(Buffer.from(await res.arrayBuffer()).equals(file.subarray(5, 15))).toBe(true);
    const past = await get("/api/models/tiny-clip/files/config.json", {
      range: `bytes=${file.byteLength + 10}-`,
    });
    expect(past.status).toBe(416);
  });

  it("refuses callers without a cookie, other file names, paths and models not installed", async () => {
    expect((await fetch(`${base}/api/models/tiny-clip/files`)).status).toBe(401);
    expect((await get("/api/models/tiny-clip/files/reference.json")).status).toBe(404);
    expect((await get(`/api/models/${encodeURIComponent("../../etc")}/files`)).status).toBe(404);
    expect((await get(`/api/models/${encodeURIComponent(TINY_CLIP_DIR)}/files`)).status).toBe(404);
    const missing = await get("/api/models/clip-vit-base-patch32/files");
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toMatch(
      /not downloaded/,
    );
  });

  it("parses single ranges and leaves multi-ranges whole", () => {
    expect(parseRange("bytes=0-9", 100)).toEqual([0, 9]);
    expect(parseRange("bytes=90-", 100)).toEqual([90, 99]);
    expect(parseRange("bytes=-10", 100)).toEqual([90, 99]);
    expect(parseRange("bytes=0-1,5-6", 100)).toBeNull();
    expect(parseRange("bytes=100-", 100)).toBe("bad");
  });
});
