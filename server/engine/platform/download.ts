/**
 * Node-only resumable HTTP download of one file: HEAD for the expected size and sha256 (Hugging Face
 * puts them in `x-linked-size` / `x-linked-etag` on the redirect of large files), then GET into
 * `<dest>.part`, continuing an earlier partial file with `Range`, retrying a dropped connection from
 * where it stopped, verifying size and hash, and renaming into place only when complete.
 */
import { createHash, type Hash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { rename, rm, stat } from "node:fs/promises";

export interface DownloadProgress {
  file: string;
  received: number;
  total: number | undefined;
  bytesPerSecond: number;
  etaSeconds: number | undefined;
}

export interface DownloadOptions {
  /** Known size in bytes; otherwise taken from the server. */
  size?: number;
  /** Known sha256 (hex); otherwise taken from the server when it gives one. */
  sha256?: string;
  onProgress?: (progress: DownloadProgress) => void;
  signal?: AbortSignal;
  /** Connection drops to survive (each continues with Range). */
  retries?: number;
  /** A transfer that delivers nothing for this long counts as dropped (default 60 s). */
  stallMs?: number;
  label?: string;
}

export class DownloadError extends Error {}

export interface Expected {
  size: number | undefined;
  sha256: string | undefined;
}

/** Downloads `url` to `dest` (complete or not at all). Returns the sha256 of the file. */
export async function downloadFile(
  url: string,
  dest: string,
  options: DownloadOptions = {},
): Promise<string> {
  const expected = await probe(url, options);
  const part = `${dest}.part`;
  const label = options.label ?? url;
  const meter = new SpeedMeter();
  let attempts = 0;
  for (;;) {
    const have = await sizeOf(part);
    if (expected.size !== undefined && have > expected.size) await rm(part, { force: true });
    try {
      await fetchInto(url, part, expected, label, meter, options);
      break;
    } catch (error) {
      if (
        options.signal?.aborted ||
        error instanceof DownloadError ||
        attempts++ >= (options.retries ?? 3)
      )
        throw explain(error, url);
    }
  }
  const hash = await sha256File(part);
  const size = await sizeOf(part);
  if (expected.size !== undefined && size !== expected.size) {
    await rm(part, { force: true });
    throw new DownloadError(
      `${label}: got ${size} bytes, expected ${expected.size}; the partial file was deleted`,
    );
  }
  if (expected.sha256 !== undefined && hash !== expected.sha256) {
    await rm(part, { force: true });
    throw new DownloadError(
      `${label}: sha256 ${hash} does not match the expected ${expected.sha256}; the corrupted file was deleted`,
    );
  }
  await rename(part, dest);
  return hash;
}

/** What the server says of a file before any byte of it moves: its size and sha256, where given. */
export function remoteFile(url: string, options: { signal?: AbortSignal } = {}): Promise<Expected> {
  return probe(url, options);
}

/** Size and sha256 from the options or from the HEAD response chain (redirects followed by hand). */
async function probe(url: string, options: DownloadOptions): Promise<Expected> {
  let size = options.size;
  let sha256 = options.sha256?.toLowerCase();
  if (size !== undefined && sha256 !== undefined) return { size, sha256 };
  let current = url;
  for (let hop = 0; hop < 10; hop++) {
    const response = await fetchOrExplain(current, {
      method: "HEAD",
      redirect: "manual",
      signal: options.signal,
    });
    const linkedSize = response.headers.get("x-linked-size");
    sha256 ??=
      sha256Of(response.headers.get("x-linked-etag")) ?? sha256Of(response.headers.get("etag"));
    if (linkedSize) size ??= Number(linkedSize);
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location) {
      current = new URL(location, current).toString();
      continue;
    }
    if (!response.ok)
      throw new DownloadError(`${url}: HTTP ${response.status} ${response.statusText}`.trim());
    const length = response.headers.get("content-length");
    if (length !== null && response.headers.get("content-encoding") === null)
      size ??= Number(length);
    return { size, sha256 };
  }
  throw new DownloadError(`${url}: too many redirects`);
}

async function fetchInto(
  url: string,
  part: string,
  expected: Expected,
  label: string,
  meter: SpeedMeter,
  options: DownloadOptions,
): Promise<void> {
  let have = await sizeOf(part);
  if (expected.size !== undefined && have === expected.size) return;
  const headers: Record<string, string> = have > 0 ? { Range: `bytes=${have}-` } : {};
  const stall = new AbortController();
  let timer = setTimeout(() => stall.abort(), options.stallMs ?? 60_000);
  const signal = options.signal ? AbortSignal.any([options.signal, stall.signal]) : stall.signal;
  const response = await fetchOrExplain(url, { headers, signal });
  if (response.status === 200)
    have = 0; // the server ignored Range: start over
  else if (response.status !== 206)
    throw new DownloadError(`${url}: HTTP ${response.status} ${response.statusText}`.trim());
  if (!response.body) throw new DownloadError(`${url}: empty response`);
  const out = createWriteStream(part, { flags: have > 0 ? "a" : "w" });
  const finished = new Promise<void>((resolve, reject) => {
    out.on("finish", resolve);
    out.on("error", reject);
  });
  try {
    const reader = response.body.getReader();
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      const chunk = read.value;
      if (!out.write(chunk))
        await new Promise<void>((resolve) => out.once("drain", () => resolve()));
      clearTimeout(timer);
      timer = setTimeout(() => stall.abort(), options.stallMs ?? 60_000);
      have += chunk.byteLength;
      options.onProgress?.(meter.progress(label, have, expected.size, chunk.byteLength));
    }
  } finally {
    clearTimeout(timer);
    out.end();
    await finished;
  }
  if (expected.size !== undefined && have < expected.size)
    throw new Error(`connection closed at ${have} of ${expected.size} bytes`);
}

/** Transfer speed over the last few seconds, for the progress display. */
class SpeedMeter {
  private samples: { time: number; bytes: number }[] = [];

  progress(
    file: string,
    received: number,
    total: number | undefined,
    bytes: number,
  ): DownloadProgress {
    const now = performance.now();
    this.samples.push({ time: now, bytes });
    while (this.samples.length > 2 && now - this.samples[0]!.time > 5000) this.samples.shift();
    const span = (now - this.samples[0]!.time) / 1000;
    const moved = this.samples.slice(1).reduce((sum, s) => sum + s.bytes, 0);
    const bytesPerSecond = span > 0 ? moved / span : 0;
    const etaSeconds =
      total !== undefined && bytesPerSecond > 0
        ? Math.max(0, total - received) / bytesPerSecond
        : undefined;
    return { file, received, total, bytesPerSecond, etaSeconds };
  }
}

function sha256Of(tag: string | null): string | undefined {
  const hex = tag?.replace(/^W\//, "").replaceAll('"', "").toLowerCase();
  return hex && /^[0-9a-f]{64}$/.test(hex) ? hex : undefined;
}

async function fetchOrExplain(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    throw explain(error, url);
  }
}

/** Turns Node's bare "fetch failed" into a message that names the host and the cause. */
function explain(error: unknown, url: string): Error {
  if (error instanceof DownloadError || (error instanceof Error && error.name === "AbortError"))
    return error;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const detail =
    cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
  return new DownloadError(
    `cannot download ${url} (${detail}); check the network connection or set CLIPIG_HUB_URL`,
  );
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

export async function sha256File(path: string): Promise<string> {
  const hash: Hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
