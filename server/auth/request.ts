/**
 * Facts about an HTTP request that the channels need for security decisions: is it behind TLS
 * (Secure cookies, HSTS), which address sent it (rate-limit keys and connection caps), may a
 * browser page on its Origin use this server (WebSocket handshakes and state-changing requests,
 * server actions included). The Host header counts only where `hostTrusted` believes it.
 *
 * Proxy headers (`X-Forwarded-Proto`, `X-Forwarded-For`) are believed only with
 * `CLIPIG_TRUST_PROXY=1`; `CLIPIG_SECURE_COOKIES=1` forces Secure cookies (TLS ended elsewhere).
 */
import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import { clientAddress, originAllowed, originPolicyFromEnv, type OriginPolicy } from "../net";

export interface RequestPolicy {
  trustProxy: boolean;
  forceSecure: boolean;
  origins: OriginPolicy;
}

export function requestPolicyFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): RequestPolicy {
  return {
    trustProxy: env.CLIPIG_TRUST_PROXY === "1",
    forceSecure: env.CLIPIG_SECURE_COOKIES === "1",
    origins: originPolicyFromEnv(env),
  };
}

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

export function isSecure(req: IncomingMessage, policy: RequestPolicy): boolean {
  if (policy.forceSecure || (req.socket as Partial<TLSSocket>).encrypted === true) return true;
  return (
    policy.trustProxy && first(req.headers["x-forwarded-proto"])?.split(",")[0].trim() === "https"
  );
}

export function peerOf(req: IncomingMessage, policy: RequestPolicy): string {
  return clientAddress(req.socket.remoteAddress, req.headers["x-forwarded-for"], policy.trustProxy);
}

/** The request's Origin is this server's own (or an allowed one): stops cross-site use of cookies. */
export function sameOrigin(req: IncomingMessage, policy: RequestPolicy): boolean {
  const host = policy.trustProxy
    ? (first(req.headers["x-forwarded-host"]) ?? req.headers.host)
    : req.headers.host;
  return originAllowed(first(req.headers.origin), host, policy.origins);
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * A request that may change state (anything but GET/HEAD/OPTIONS: Next's server actions are POSTs
 * to page URLs) without our Origin. Browsers send Origin on every such request, so a missing one
 * is a script or a forged form, and is refused like a foreign one.
 */
export function crossSiteWrite(req: IncomingMessage, policy: RequestPolicy): boolean {
  return !SAFE_METHODS.has(req.method ?? "GET") && !sameOrigin(req, policy);
}
