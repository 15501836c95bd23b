/**
 * The installed models' files over HTTP, read-only, for the engine in the browser
 * (`server/engine/web`): `GET /api/models/<name>/files` lists a checkpoint's four files with sizes
 * and ETags, `GET /api/models/<name>/files/<file>` sends one (ETag, If-None-Match, a single
 * `Range`). Only those four names are served, only from a model the store has installed, and only
 * to a caller the studio knows (a guest cookie or a session), as for the other model routes.
 */
import { open, stat } from "node:fs/promises";
import path from "node:path";
import { HttpError, ok } from "../api/http";
import type { Route } from "../api/router";
import { resolveModelDir, type StoreOptions } from "../engine/platform/model-store";

/** What `ClipModel.fromFiles` reads. */
export const MODEL_FILES = [
  "config.json",
  "vocab.json",
  "merges.txt",
  "model.safetensors",
] as const;
const TYPES: Record<string, string> = {
  json: "application/json",
  txt: "text/plain; charset=utf-8",
  safetensors: "application/octet-stream",
};

interface FileInfo {
  name: string;
  file: string;
  bytes: number;
  etag: string;
}

async function modelFile(name: string, file: string, store?: StoreOptions): Promise<FileInfo> {
  if (!(MODEL_FILES as readonly string[]).includes(file))
    throw new HttpError(
      404,
      "not_found",
      `'${file}' is not a model file (${MODEL_FILES.join(", ")})`,
    );
  let dir: string;
  try {
    // Names only: a folder path in the URL is not a store name and is refused here.
    if (name.includes("..") || path.isAbsolute(name))
      throw new Error(`'${name}' is not a model name`);
    dir = resolveModelDir(name, store);
  } catch (e) {
    throw new HttpError(404, "not_found", e instanceof Error ? e.message : String(e));
  }
  const full = path.join(dir, file);
  const s = await stat(full).catch(() => null);
  if (!s?.isFile()) throw new HttpError(404, "not_found", `model '${name}' has no ${file}`);
  return {
    name: file,
    file: full,
    bytes: s.size,
    etag: `"${s.size.toString(16)}-${Math.floor(s.mtimeMs).toString(16)}"`,
  };
}

const known = (me: unknown) => {
  if (!me)
    throw new HttpError(401, "unauthorized", "open the studio first (no session or guest cookie)");
};

export function modelFileRoutes(store?: StoreOptions): Route[] {
  return [
    {
      method: "GET",
      path: /^\/api\/models\/(?<name>[^/]{1,200})\/files$/,
      async handle({ me, params }) {
        known(me);
        const name = decodeURIComponent(params.name);
        const files = await Promise.all(MODEL_FILES.map((f) => modelFile(name, f, store)));
        return ok({
          name,
          files: files.map(({ name: n, bytes, etag }) => ({ name: n, bytes, etag })),
        });
      },
    },
    {
      method: "GET",
      path: /^\/api\/models\/(?<name>[^/]{1,200})\/files\/(?<file>[^/]{1,64})$/,
      async handle({ me, params, req }) {
        known(me);
        const info = await modelFile(
          decodeURIComponent(params.name),
          decodeURIComponent(params.file),
          store,
        );
        const headers: Record<string, string> = {
          "content-type": TYPES[info.name.split(".").pop() ?? ""] ?? "application/octet-stream",
          "cache-control": "private, no-cache",
          etag: info.etag,
          "accept-ranges": "bytes",
        };
        if (req.headers["if-none-match"] === info.etag) return { status: 304, headers };
        const range = parseRange(req.headers.range, info.bytes);
        if (range === "bad")
          return { status: 416, headers: { ...headers, "content-range": `bytes */${info.bytes}` } };
        const [start, end] = range ?? [0, info.bytes - 1];
        if (range) headers["content-range"] = `bytes ${start}-${end}/${info.bytes}`;
        return { status: range ? 206 : 200, headers, body: await readSpan(info.file, start, end) };
      },
    },
  ];
}

/** One `bytes=a-b` / `bytes=a-` / `bytes=-n` range; several ranges are answered whole (null). */
export function parseRange(
  header: string | undefined,
  size: number,
): [number, number] | null | "bad" {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!m || (m[1] === "" && m[2] === "")) return null;
  const [start, end] =
    m[1] === ""
      ? [Math.max(0, size - Number(m[2])), size - 1]
      : [Number(m[1]), m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1)];
  return start > end || start >= size ? "bad" : [start, end];
}

/** Bytes `start..end` of `file` (the router sends buffers; Range lets a client fetch big files in parts). */
async function readSpan(file: string, start: number, end: number): Promise<Buffer> {
  const handle = await open(file, "r");
  try {
    const buf = Buffer.alloc(end - start + 1);
    const { bytesRead } = await handle.read(buf, 0, buf.length, start);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
