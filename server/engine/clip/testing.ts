/**
 * Test support: a local HTTP server that answers like huggingface.co for the bundled tiny-clip
 * files, under any repository ids given. Large files (`model.safetensors`) answer with a redirect
 * carrying `x-linked-size` / `x-linked-etag`, as the hub does; GET honours `Range`. The knobs in
 * `behaviour` make it drop, stall, corrupt or slow a transfer; `seen` records what it served.
 * Used by the store and CLI tests and by the e2e specs (a mirror set through CLIPIG_HUB_URL).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { CLIP_FILES, TINY_CLIP_DIR } from "../platform/model-store";

export interface HubBehaviour {
  /** Cut the next GET of model.safetensors after this many bytes (0: never). */
  dropAfter: number;
  /** Instead of cutting it there, go silent. */
  stall: boolean;
  /** Flip a few bytes of model.safetensors (its sha256 no longer matches). */
  corrupt: boolean;
  /** Serve model.safetensors at about this many bytes per second (0: as fast as possible). */
  bytesPerSecond: number;
}

export interface TestHub {
  url: string;
  behaviour: HubBehaviour;
  seen: { ranges: string[]; bytesSent: number };
  /** The files it serves, by name. */
  files: Readonly<Record<string, Buffer>>;
  reset(): void;
  close(): Promise<void>;
}

const IDLE: HubBehaviour = { dropAfter: 0, stall: false, corrupt: false, bytesPerSecond: 0 };
const CHUNK = 65536;

/** Serves tiny-clip's checkpoint under each of `repos` on a loopback port. */
export async function startTestHub(
  repos: readonly string[],
  initial: Partial<HubBehaviour> = {},
  /** Repositories with files of their own instead of tiny-clip's (an open_clip layout, …). */
  own: Readonly<Record<string, Readonly<Record<string, Buffer>>>> = {},
): Promise<TestHub> {
  const files = Object.fromEntries(
    CLIP_FILES.map((f) => [f.name, readFileSync(path.join(TINY_CLIP_DIR, f.name))]),
  );
  const behaviour: HubBehaviour = { ...IDLE, ...initial };
  const seen = { ranges: [] as string[], bytesSent: 0 };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const match = /^\/(.+)\/resolve\/main\/([^/]+)$|^\/cdn\/(.+)\/([^/]+)$/.exec(req.url ?? "");
    const repo = match?.[1] ?? match?.[3]?.replaceAll("--", "/");
    const file = match?.[2] ?? match?.[4];
    const layout =
      repo && Object.hasOwn(own, repo) ? own[repo]! : repo && repos.includes(repo) ? files : {};
    const body = file && Object.hasOwn(layout, file) ? layout[file] : undefined;
    if (!body || !repo) {
      res.writeHead(404).end("not found");
      return;
    }
    const sha256 = createHash("sha256").update(body).digest("hex");
    if (file === "model.safetensors" && match?.[1]) {
      res
        .writeHead(302, {
          location: `/cdn/${repo.replaceAll("/", "--")}/${file}`,
          "x-linked-size": body.length,
          "x-linked-etag": `"${sha256}"`,
        })
        .end();
      return;
    }
    const large = file === "model.safetensors";
    const served = behaviour.corrupt && large ? Buffer.from(body).fill(7, 1000, 1010) : body;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    const start = range ? Number(range[1]) : 0;
    if (range) seen.ranges.push(req.headers.range!);
    // A git-style etag on small files: not a sha256, so the client must not take it for one.
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
    const drop = large && behaviour.dropAfter > 0 ? behaviour.dropAfter : Infinity;
    const stall = behaviour.stall;
    if (large) behaviour.dropAfter = 0;
    const rate = large ? behaviour.bytesPerSecond : 0;
    let at = start;
    const pump = (): void => {
      while (at < served.length) {
        if (res.destroyed) return;
        const end = Math.min(at + CHUNK, served.length, at < drop ? drop : Infinity);
        const ok = res.write(served.subarray(at, end));
        seen.bytesSent += end - at;
        const sent = end - at;
        at = end;
        if (at === drop) {
          if (!stall) setTimeout(() => res.destroy(), 20);
          return;
        }
        if (rate > 0) {
          setTimeout(pump, (sent / rate) * 1000);
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
  };

  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    behaviour,
    seen,
    files,
    reset() {
      Object.assign(behaviour, IDLE, initial);
      seen.ranges = [];
      seen.bytesSent = 0;
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
