import { describe, it, expect, beforeAll, afterAll, beforeEach } from "vitest";
import { createServer, type Server } from "node:http";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import {
  CLIP_FILES,
  TINY_CLIP_DIR,
  listModels,
  pullModel,
  resolveModelDir,
  type KnownModel,
  type PullProgress,
} from "./store";

const REPO = "test-org/tiny-clip-copy";
const FILES = Object.fromEntries(
  CLIP_FILES.map((f) => [f.name, readFileSync(path.join(TINY_CLIP_DIR, f.name))]),
);
const MODELS: KnownModel[] = [
  { name: REPO, aliases: ["tiny-copy"], description: "test", approxBytes: 1, files: CLIP_FILES },
  {
    name: "tiny-clip",
    aliases: [],
    description: "bundled",
    approxBytes: 1,
    bundled: TINY_CLIP_DIR,
  },
];

/** What the fake hub does to the next requests, and what it saw. */
const hub = {
  dropAfter: 0, // cut the first GET of model.safetensors after this many bytes
  stall: false, // or, instead of cutting it, go silent
  corrupt: false,
  throttle: false,
  ranges: [] as string[],
  bytesSent: 0,
};
let server: Server;
let base: string;

/** Serves files like huggingface.co: large files answer HEAD with a redirect carrying x-linked-size/etag. */
function handle(
  req: import("node:http").IncomingMessage,
  res: import("node:http").ServerResponse,
): void {
  const match = /^\/(.+)\/resolve\/main\/(.+)$|^\/cdn\/(.+)$/.exec(req.url ?? "");
  const file = match?.[2] ?? match?.[3];
  const body = file ? FILES[file] : undefined;
  if (!body || (match?.[1] && match[1] !== REPO)) {
    res.writeHead(404).end("not found");
    return;
  }
  const sha256 = createHash("sha256").update(body).digest("hex");
  if (file === "model.safetensors" && match?.[1]) {
    res
      .writeHead(302, {
        location: `/cdn/${file}`,
        "x-linked-size": body.length,
        "x-linked-etag": `"${sha256}"`,
      })
      .end();
    return;
  }
  const served =
    hub.corrupt && file === "model.safetensors" ? Buffer.from(body).fill(7, 1000, 1010) : body;
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
  const start = range ? Number(range[1]) : 0;
  if (range) hub.ranges.push(req.headers.range!);
  const headers = { "content-length": served.length - start, etag: `"${"ab".repeat(20)}"` };
  if (req.method === "HEAD") {
    res.writeHead(200, headers).end();
    return;
  }
  res.writeHead(
    range ? 206 : 200,
    range
      ? { ...headers, "content-range": `bytes ${start}-${served.length - 1}/${served.length}` }
      : headers,
  );
  const drop = file === "model.safetensors" && hub.dropAfter > 0 ? hub.dropAfter : Infinity;
  if (file === "model.safetensors") hub.dropAfter = 0;
  let at = start;
  const pump = (): void => {
    while (at < served.length) {
      const end = Math.min(at + 65536, served.length, at < drop ? drop : Infinity);
      const ok = res.write(served.subarray(at, end));
      hub.bytesSent += end - at;
      at = end;
      if (at === drop) {
        if (!hub.stall) setTimeout(() => res.destroy(), 20);
        return;
      }
      if (hub.throttle) {
        setTimeout(pump, 2);
        return;
      }
      if (!ok) {
        res.once("drain", pump);
        return;
      }
    }
    res.end();
  };
  pump();
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() =>
  Object.assign(hub, {
    dropAfter: 0,
    stall: false,
    corrupt: false,
    throttle: false,
    ranges: [],
    bytesSent: 0,
  }),
);

const freshStore = () => ({
  modelsDir: mkdtempSync(path.join(tmpdir(), "clipig-models-")),
  hubUrl: base,
  models: MODELS,
});

describe("model store", () => {
  it("pulls a checkpoint with progress, installs it atomically and resolves it by name and alias", async () => {
    const store = freshStore();
    const events: PullProgress[] = [];
    expect(() => resolveModelDir(REPO, store)).toThrow(
      /not downloaded yet: run `clipig models pull/,
    );
    const dir = await pullModel("tiny-copy", { ...store, onProgress: (p) => events.push(p) });
    expect(dir).toBe(path.join(store.modelsDir, "test-org--tiny-clip-copy"));
    for (const [name, bytes] of Object.entries(FILES))
      expect(readFileSync(path.join(dir, name)).equals(bytes)).toBe(true);
    const last = events.filter((e) => e.file === "model.safetensors").at(-1)!;
    expect(last).toMatchObject({
      received: FILES["model.safetensors"]!.length,
      total: FILES["model.safetensors"]!.length,
      fileIndex: 3,
      fileCount: 4,
    });
    expect(last.bytesPerSecond).toBeGreaterThan(0);
    expect(resolveModelDir(REPO, store)).toBe(dir);
    expect(readdirSync(store.modelsDir)).toEqual(["test-org--tiny-clip-copy"]); // no partial folder left
    const listed = await listModels(store);
    expect(listed.map((m) => [m.name, m.status])).toEqual([
      [REPO, "installed"],
      ["tiny-clip", "bundled"],
    ]);
    const manifest = JSON.parse(readFileSync(path.join(dir, "clipig-model.json"), "utf8"));
    expect(manifest.files["model.safetensors"].sha256).toBe(
      createHash("sha256").update(FILES["model.safetensors"]!).digest("hex"),
    );
  });

  it("continues a dropped connection with an HTTP Range request", async () => {
    const store = freshStore();
    hub.dropAfter = 3 << 20;
    const dir = await pullModel(REPO, store);
    expect(
      readFileSync(path.join(dir, "model.safetensors")).equals(FILES["model.safetensors"]!),
    ).toBe(true);
    expect(hub.ranges).toHaveLength(1);
    expect(Number(/\d+/.exec(hub.ranges[0]!)![0])).toBeGreaterThan(0);
  });

  it("treats a stalled transfer as dropped and continues it", async () => {
    const store = freshStore();
    Object.assign(hub, { dropAfter: 1 << 20, stall: true });
    const dir = await pullModel(REPO, { ...store, stallMs: 300 });
    expect(
      readFileSync(path.join(dir, "model.safetensors")).equals(FILES["model.safetensors"]!),
    ).toBe(true);
    expect(hub.ranges).toHaveLength(1);
  });

  it("resumes an interrupted pull from the partial file on the next run", async () => {
    const store = freshStore();
    const size = FILES["model.safetensors"]!.length;
    const abort = new AbortController();
    hub.throttle = true;
    const first = pullModel(REPO, {
      ...store,
      signal: abort.signal,
      onProgress: (p) => p.file === "model.safetensors" && p.received > size / 3 && abort.abort(),
    });
    await expect(first).rejects.toThrow();
    const partial = path.join(store.modelsDir, ".test-org--tiny-clip-copy.partial");
    expect(existsSync(path.join(partial, "model.safetensors.part"))).toBe(true);
    expect(existsSync(path.join(partial, "config.json"))).toBe(true);
    hub.throttle = false;
    hub.bytesSent = 0;
    const dir = await pullModel(REPO, store);
    expect(
      readFileSync(path.join(dir, "model.safetensors")).equals(FILES["model.safetensors"]!),
    ).toBe(true);
    expect(hub.ranges).toHaveLength(1);
    expect(hub.bytesSent).toBeLessThan(size * 0.7); // only the rest came over the wire
  });

  it("rejects a corrupted transfer by its sha256 and installs nothing", async () => {
    const store = freshStore();
    hub.corrupt = true;
    await expect(pullModel(REPO, store)).rejects.toThrow(
      /model.safetensors: sha256 [0-9a-f]{64} does not match/,
    );
    expect(() => resolveModelDir(REPO, store)).toThrow(/not downloaded/);
    const partial = path.join(store.modelsDir, ".test-org--tiny-clip-copy.partial");
    expect(existsSync(path.join(partial, "model.safetensors.part"))).toBe(false);
  });

  it("explains an unreachable hub, and tiny-clip still resolves offline", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const store = { ...freshStore(), hubUrl: `http://127.0.0.1:${port}` };
    await expect(pullModel(REPO, store)).rejects.toThrow(
      /cannot download .*config.json \(ECONNREFUSED\).*CLIPIG_HUB_URL/,
    );
    expect(resolveModelDir("tiny-clip", store)).toBe(TINY_CLIP_DIR);
    expect(resolveModelDir(TINY_CLIP_DIR, store)).toBe(TINY_CLIP_DIR);
    expect(() => resolveModelDir("no-such-model", store)).toThrow(/unknown model 'no-such-model'/);
  });

  it("reports a missing repository file with its HTTP status", async () => {
    const store = { ...freshStore(), models: [{ ...MODELS[0]!, name: "test-org/missing" }] };
    await expect(pullModel("test-org/missing", store)).rejects.toThrow(/HTTP 404/);
  });
});
