/**
 * Fetches an image named by a user (`init.image`, `features.image` URLs) without letting the
 * server be used against itself or its network (SSRF):
 * - every hop is vetted (`vetUrl`: scheme, credentials, host, port, all DNS answers public) and
 *   the connection goes to the vetted address only (a pinned `lookup`: no second DNS query, so a
 *   rebinding name cannot switch to 127.0.0.1 between check and connect);
 * - redirects are followed by hand, at most `maxRedirects`, each target vetted again;
 * - one deadline covers DNS, connects, redirects and the body; the body is streamed and cut off
 *   at `maxBytes`; compressed bodies are refused (no decompression bombs);
 * - what arrives must decode as an accepted image and is re-encoded to PNG (`toCleanPng`).
 */
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import {
  DEFAULT_IMAGE_LIMITS,
  ImageRejected,
  toCleanPng,
  type CleanImage,
  type ImageLimits,
} from "../uploads/image";
import { FetchRefused } from "./errors";
import {
  abortable,
  DEFAULT_PORTS,
  systemResolver,
  vetUrl,
  type ResolvedAddress,
  type UrlPolicy,
  type VettedTarget,
} from "./url-policy";

export interface FetchOptions extends UrlPolicy {
  /** Largest body, bytes. */
  maxBytes: number;
  /** For everything: DNS, every hop, the whole body. */
  timeoutMs: number;
  maxRedirects: number;
  image: ImageLimits;
  signal?: AbortSignal;
}

export const DEFAULT_FETCH_OPTIONS: FetchOptions = {
  resolver: systemResolver,
  allowPrivate: false,
  allowEndpoints: [],
  allowedPorts: DEFAULT_PORTS,
  maxBytes: 10 * 1024 * 1024,
  timeoutMs: 10_000,
  maxRedirects: 3,
  image: DEFAULT_IMAGE_LIMITS,
};

export interface FetchedImage extends CleanImage {
  /** Where the image finally came from. */
  url: string;
  redirects: number;
}

/**
 * `CLIPIG_ALLOW_PRIVATE_URLS=1` turns the address policy off. DANGEROUS: anyone who can edit an
 * experiment can then make the server request internal services. Tests and local development only.
 */
export function fetchOptionsFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Partial<FetchOptions> {
  if (env.CLIPIG_ALLOW_PRIVATE_URLS !== "1") return {};
  console.warn(
    "CLIPIG_ALLOW_PRIVATE_URLS=1: image URLs may reach loopback and private networks. Never use this on a shared server.",
  );
  return { allowPrivate: true, allowedPorts: "any" };
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export async function fetchImage(
  url: string,
  options: Partial<FetchOptions> = {},
): Promise<FetchedImage> {
  const o: FetchOptions = { ...DEFAULT_FETCH_OPTIONS, ...options };
  const deadline = AbortSignal.timeout(o.timeoutMs);
  const signal = o.signal ? AbortSignal.any([o.signal, deadline]) : deadline;
  let current: string | URL = url;
  for (let hop = 0; ; hop++) {
    const target = await vetUrl(current, o, signal);
    const res = await get(target, signal);
    if (REDIRECTS.has(res.statusCode ?? 0)) {
      res.destroy();
      const location = res.headers.location;
      if (!location)
        throw new FetchRefused("status", `Redirect (${res.statusCode}) without a Location`);
      if (hop >= o.maxRedirects)
        throw new FetchRefused("too_many_redirects", `More than ${o.maxRedirects} redirects`);
      current = resolveLocation(location, target.url);
      continue;
    }
    const body = await readBody(res, o.maxBytes, signal);
    try {
      const image = await abortable(toCleanPng(body, { ...o.image, maxBytes: o.maxBytes }), signal);
      return { ...image, url: target.url.href, redirects: hop };
    } catch (error) {
      if (error instanceof ImageRejected)
        throw new FetchRefused("not_an_image", `${target.url.href}: ${error.message}`);
      throw error;
    }
  }
}

function resolveLocation(location: string, base: URL): URL {
  try {
    return new URL(location, base);
  } catch {
    throw new FetchRefused("bad_url", "Redirect to an invalid URL");
  }
}

/** A lookup that answers only the vetted name, only with the vetted address. */
function pinnedLookup(hostname: string, pinned: ResolvedAddress): LookupFunction {
  return ((name: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (name !== hostname)
      return callback(new FetchRefused("host", `Unexpected lookup of ${name}`));
    if (options.all) return callback(null, [{ address: pinned.address, family: pinned.family }]);
    return callback(null, pinned.address, pinned.family);
  }) as unknown as LookupFunction;
}

function get(target: VettedTarget, signal: AbortSignal): Promise<IncomingMessage> {
  const secure = target.url.protocol === "https:";
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(
      {
        protocol: target.url.protocol,
        host: target.hostname,
        port: target.port,
        path: `${target.url.pathname}${target.url.search}`,
        method: "GET",
        headers: {
          accept: "image/png, image/jpeg, image/gif, image/webp",
          "accept-encoding": "identity",
          "user-agent": "CLIPig-Studio image fetch",
        },
        agent: false,
        lookup: pinnedLookup(target.hostname, target.pinned),
        family: target.pinned.family,
        maxHeaderSize: 16 * 1024,
        signal,
        ...(secure && !isIP(target.hostname) ? { servername: target.hostname } : {}),
      },
      (res) => {
        const status = res.statusCode ?? 0;
        const encoding = (res.headers["content-encoding"] ?? "identity").toLowerCase();
        if (!REDIRECTS.has(status) && status !== 200) {
          res.destroy();
          return reject(new FetchRefused("status", `${target.url.href} answered ${status}`));
        }
        if (encoding !== "identity") {
          res.destroy();
          return reject(
            new FetchRefused("encoding", `Compressed responses (${encoding}) are not accepted`),
          );
        }
        resolve(res);
      },
    );
    req.on("error", (error) => reject(networkError(error, signal)));
    req.end();
  });
}

async function readBody(
  res: IncomingMessage,
  maxBytes: number,
  signal: AbortSignal,
): Promise<Buffer> {
  const declared = Number(res.headers["content-length"] ?? NaN);
  if (declared > maxBytes) {
    res.destroy();
    throw new FetchRefused("too_large", `Image is ${declared} bytes, at most ${maxBytes} allowed`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      total += chunk.byteLength;
      if (total > maxBytes) {
        res.destroy();
        throw new FetchRefused("too_large", `Image larger than ${maxBytes} bytes`);
      }
      chunks.push(chunk);
    }
  } catch (error) {
    throw networkError(error, signal);
  }
  return Buffer.concat(chunks, total);
}

function networkError(error: unknown, signal: AbortSignal): FetchRefused {
  if (error instanceof FetchRefused) return error;
  if (signal.aborted) return new FetchRefused("timeout", "Fetch took too long");
  return new FetchRefused(
    "network",
    `Fetch failed: ${error instanceof Error ? error.message : String(error)}`,
  );
}
