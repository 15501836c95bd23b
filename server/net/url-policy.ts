/**
 * Vetting one URL before any connection: scheme, credentials, host name, port, then DNS through an
 * injectable resolver and the address policy on EVERY answer. The result names the one address
 * to connect to, so the request cannot look the name up again (DNS rebinding).
 */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { canonicalIp, classifyAddress } from "./address-policy";
import { FetchRefused } from "./errors";

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Name → addresses. The default asks the system (getaddrinfo: /etc/hosts, then DNS). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) => {
  const answers = await lookup(hostname, { all: true, verbatim: true });
  return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

export interface UrlPolicy {
  resolver: Resolver;
  /** DANGEROUS: lets requests reach loopback and private networks. Tests and local development only. */
  allowPrivate: boolean;
  /** Exact `address:port` pairs exempt from the address policy (e.g. `127.0.0.1:8080`, `[::1]:9000`). */
  allowEndpoints: readonly string[];
  /** Ports a URL may name; "any" for all. */
  allowedPorts: readonly number[] | "any";
}

export const DEFAULT_PORTS: readonly number[] = [80, 443, 8080, 8443];

export interface VettedTarget {
  url: URL;
  /** The host as sent in `Host` and used for TLS: the name, or the IP literal without brackets. */
  hostname: string;
  port: number;
  /** The address the connection must go to. */
  pinned: ResolvedAddress;
}

const MAX_URL_LENGTH = 2048;

/** Parses and checks a URL up to and including DNS; throws `FetchRefused`. Opens no connection. */
export async function vetUrl(
  raw: string | URL,
  policy: UrlPolicy,
  signal?: AbortSignal,
): Promise<VettedTarget> {
  const text = String(raw);
  if (text.length > MAX_URL_LENGTH)
    throw new FetchRefused("bad_url", `URL longer than ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new FetchRefused("bad_url", "Not a valid URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new FetchRefused("scheme", `Only http and https URLs are fetched, not ${url.protocol}`);
  if (url.username || url.password)
    throw new FetchRefused("credentials", "URLs with user names or passwords are not fetched");
  const port = url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
  if (policy.allowedPorts !== "any" && !policy.allowedPorts.includes(port)) {
    throw new FetchRefused(
      "port",
      `Port ${port} is not allowed (allowed: ${policy.allowedPorts.join(", ")})`,
    );
  }
  const bracketed = url.hostname.startsWith("[");
  const hostname = bracketed ? url.hostname.slice(1, -1) : url.hostname.replace(/\.$/, "");
  const literal = isIP(hostname);
  if (!literal) checkHostName(hostname);
  const addresses = literal
    ? [{ address: hostname, family: literal === 6 ? 6 : 4 } as const]
    : await resolve(hostname, policy.resolver, signal);
  for (const a of addresses) checkAddress(a.address, port, policy);
  return { url, hostname, port, pinned: addresses[0] };
}

function checkHostName(hostname: string): void {
  if (hostname === "localhost" || hostname.endsWith(".localhost"))
    throw new FetchRefused("host", "localhost is not fetched");
  if (!hostname.includes("."))
    throw new FetchRefused("host", `'${hostname}' is not a public host name`);
}

async function resolve(
  hostname: string,
  resolver: Resolver,
  signal?: AbortSignal,
): Promise<ResolvedAddress[]> {
  let answers: ResolvedAddress[];
  try {
    answers = await abortable(resolver(hostname), signal);
  } catch (error) {
    if (error instanceof FetchRefused) throw error;
    throw new FetchRefused("dns", `Could not resolve ${hostname}`);
  }
  if (answers.length === 0) throw new FetchRefused("dns", `${hostname} has no addresses`);
  return answers;
}

function checkAddress(address: string, port: number, policy: UrlPolicy): void {
  const canonical = canonicalIp(address);
  if (canonical === null)
    throw new FetchRefused("dns", `Resolver returned '${address}', not an address`);
  if (policy.allowPrivate) return;
  const endpoint = canonical.includes(":") ? `[${canonical}]:${port}` : `${canonical}:${port}`;
  if (policy.allowEndpoints.some((e) => sameEndpoint(e, endpoint))) return;
  const verdict = classifyAddress(canonical);
  if (!verdict.allowed)
    throw new FetchRefused(
      "private_address",
      `Address ${address} is not public: ${verdict.reason}`,
    );
}

function sameEndpoint(allowed: string, endpoint: string): boolean {
  const m = allowed.match(/^\[?([^\]]+?)\]?:(\d+)$/);
  if (!m) return false;
  const ip = canonicalIp(m[1]);
  return ip !== null && (ip.includes(":") ? `[${ip}]:${m[2]}` : `${ip}:${m[2]}`) === endpoint;
}

/** Races a promise against an abort signal (DNS lookups themselves cannot be cancelled). */
export function abortable<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new FetchRefused("timeout", "Fetch took too long"));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new FetchRefused("timeout", "Fetch took too long"));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => (signal.removeEventListener("abort", onAbort), resolve(v)),
      (e: unknown) => (signal.removeEventListener("abort", onAbort), reject(e)),
    );
  });
}
