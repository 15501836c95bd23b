/**
 * Who is on the other end of a socket or form post. `originAllowed` is the check for the Socket.IO
 * handshake and the Yjs upgrade: WebSocket handshakes are not subject to CORS, and pages on sibling
 * subdomains still send SameSite=Lax cookies, so the Origin header is what stops cross-site
 * WebSocket hijacking. `clientAddress` gives rate limiters a key, trusting X-Forwarded-For only when told.
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
 * Whether a browser request from `origin` may use this server, reached as `host` (the Host header).
 * A missing Origin (non-browser clients) is refused: browsers always send it on WebSocket upgrades.
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
  if (!host || !/^[A-Za-z0-9.\-[\]:]{1,300}$/.test(host)) return false;
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
