/**
 * Who may read `/metrics`: nobody unless `CLIPIG_METRICS_TOKEN` is set, then only a request with
 * `Authorization: Bearer <token>`. The series say how busy the studio is and how many people are
 * connected; that is for the operator's scraper, not for visitors.
 */
import { createHash, timingSafeEqual } from "node:crypto";

/** The configured token, or null (metrics off). A short or oddly spelled token stops the start. */
export function metricsTokenFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | null {
  const raw = env.CLIPIG_METRICS_TOKEN;
  if (raw === undefined || raw === "") return null;
  if (!/^[\x21-\x7e]{16,512}$/.test(raw))
    throw new Error(
      "CLIPIG_METRICS_TOKEN must be 16 to 512 printable characters without spaces (e.g. `openssl rand -hex 24`)",
    );
  return raw;
}

const digest = (text: string) => createHash("sha256").update(text).digest();

/** Whether an Authorization header carries the token; compared in constant time (as digests, so lengths do not leak either). */
export function bearerMatches(authorization: string | undefined, token: string): boolean {
  const match = /^Bearer +(\S+) *$/i.exec(authorization ?? "");
  return !!match && timingSafeEqual(digest(match[1]), digest(token));
}
