/**
 * Reads a Cookie header. Kept here rather than shared with the guest cookie code so the session
 * path depends on nothing that changes with it. The first occurrence of a name wins (browsers
 * send the most specific cookie first); malformed values are skipped, never fatal.
 */
export function readCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (typeof header !== "string" || header.length > 16_384) return out;
  for (const part of header.split(";")) {
    const i = part.indexOf("=");
    if (i < 0) continue;
    const key = part.slice(0, i).trim();
    if (!key || out.has(key)) continue;
    try {
      out.set(key, decodeURIComponent(part.slice(i + 1).trim()));
    } catch {
      // skip this one
    }
  }
  return out;
}
