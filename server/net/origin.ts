/**
 * Who is on the other end of a socket or form post. `originAllowed` is the check for the Socket.IO
 * handshake and the Yjs upgrade: WebSocket handshakes are not subject to CORS, and pages on sibling
 * subdomains still send SameSite=Lax cookies, so the Origin header is what stops cross-site
 * WebSocket hijacking; a Host header is believed only for IP literals, localhost and listed origins
 * (DNS rebinding). `clientAddress` gives rate limiters a key, trusting X-Forwarded-For only when told.
 */

export interface OriginPolicy {
  /** Extra origins allowed besides the server's own (`CLIPIG_ALLOWED_ORIGINS`, comma separated). */
  allowed: readonly string[];
}

export function originPolicyFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): OriginPolicy {
  const allowed = (env.CLIPIG_ALLOWED_ORIGINS ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const o = normalizeOrigin(s);
      if (!o)
        throw new Error(
          `CLIPIG_ALLOWED_ORIGINS: '${s}' is not an origin like https://studio.example.org`,
        );
      return o;
    });
  return { allowed };
}

function normalizeOrigin(text: string): string | null {
  try {
    const u = new URL(text);
    if (
      (u.protocol !== "http:" && u.protocol !== "https:") ||
      u.username ||
      u.password ||
      u.pathname !== "/" ||
      u.search ||
      u.hash
    )
      return null;
    return u.origin;
  } catch {
    return null;
  }
}

/**
 * Host names a page may be served from without being listed: IP literals and `localhost` (and
 * `*.localhost`, which browsers resolve to loopback). Any other name in the Host header is not
 * trusted: with DNS rebinding an attacker's name points at this server, and the attacker's page
 * then sends an Origin equal to the (attacker's) Host. Names must come from `CLIPIG_ALLOWED_ORIGINS`.
 */
export function hostTrusted(host: string | undefined, policy: OriginPolicy): boolean {
  if (!host || !/^[A-Za-z0-9.\-[\]:]{1,300}$/.test(host)) return false;
  const lower = host.toLowerCase();
  // Plain string checks (no node:net): proxy.ts runs this too.
  if (/^\[[0-9a-f:.]+\](:\d+)?$/.test(lower)) return true; // IPv6 literal
  const hostname = lower.replace(/:\d+$/, "");
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(hostname)) return true; // IPv4 literal
  if (hostname === "localhost" || hostname.endsWith(".localhost")) return true;
  return policy.allowed.some((o) => new URL(o).hostname === hostname);
}

/**
 * Whether a browser request from `origin` may use this server, reached as `host` (the Host header).
 * A listed origin is always allowed; otherwise the Origin must equal the Host AND the Host must be
 * trusted (`hostTrusted`: an IP literal, localhost, or a listed origin's name). A missing Origin is
 * refused: browsers always send it on WebSocket upgrades and on POST/PUT/DELETE.
 */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  policy: OriginPolicy = { allowed: [] },
): boolean {
  if (!origin || origin === "null") return false;
  const o = normalizeOrigin(origin);
  if (!o) return false;
  if (policy.allowed.includes(o)) return true;
  if (!host || !hostTrusted(host, policy)) return false;
  return new URL(o).host === host.toLowerCase();
}

/** The client's address: the socket peer, or with `trustProxy` the nearest X-Forwarded-For entry added by that proxy. */
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
  trustProxy: boolean,
): string {
  const direct = (peer ?? "unknown").replace(/^::ffff:/, "");
  if (!trustProxy || !forwardedFor) return direct;
  const list = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor)
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  // The last entry is the one our proxy appended; earlier ones are whatever the client claimed.
  return list.at(-1)?.replace(/^::ffff:/, "") ?? direct;
}
