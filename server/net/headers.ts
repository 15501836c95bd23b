/**
 * Security headers for every page and route response: a Content-Security-Policy without
 * 'unsafe-eval' (expressions have their own evaluator; nothing needs eval), no framing by other
 * sites, no MIME sniffing, no referrer leaks to other origins, HSTS behind TLS. Next's dev server
 * needs eval for its fast refresh, so `dev` adds it there and only there.
 */

export interface HeaderOptions {
  /** Behind TLS: adds Strict-Transport-Security and upgrade-insecure-requests. */
  secure: boolean;
  /** Next dev server (fast refresh uses eval). Never in production. */
  dev?: boolean;
  /** A per-response nonce for inline scripts; without one, inline scripts are allowed ('unsafe-inline'). */
  nonce?: string;
}

export function contentSecurityPolicy({ secure, dev = false, nonce }: HeaderOptions): string {
  const script = [
    "'self'",
    nonce ? `'nonce-${nonce}'` : "'unsafe-inline'",
    ...(dev ? ["'unsafe-eval'"] : []),
  ];
  const directives: [string, ...string[]][] = [
    ["default-src", "'self'"],
    ["script-src", ...script],
    ["style-src", "'self'", "'unsafe-inline'"], // CodeMirror and Next inject style elements
    ["img-src", "'self'", "data:", "blob:"],
    ["font-src", "'self'", "data:"],
    ["connect-src", "'self'", ...(dev ? ["ws:", "wss:"] : [])], // 'self' covers same-origin ws(s) in CSP 3
    ["worker-src", "'self'", "blob:"],
    ["object-src", "'none'"],
    ["base-uri", "'self'"],
    ["form-action", "'self'"],
    ["frame-ancestors", "'none'"],
  ];
  if (secure) directives.push(["upgrade-insecure-requests"]);
  return directives.map((d) => d.join(" ")).join("; ");
}

/** Name/value pairs, for `next.config.js` `headers()`, the proxy, or `res.setHeader` in the server. */
export function securityHeaders(options: HeaderOptions): [string, string][] {
  const headers: [string, string][] = [
    ["Content-Security-Policy", contentSecurityPolicy(options)],
    ["X-Content-Type-Options", "nosniff"],
    ["X-Frame-Options", "DENY"],
    ["Referrer-Policy", "same-origin"],
    ["Cross-Origin-Opener-Policy", "same-origin"],
    // With COOP, makes pages cross-origin isolated: SharedArrayBuffer, so the engine's WASM runs
    // threaded in the browser (docs/browser-engine.md). The CSP already loads nothing cross-origin.
    ["Cross-Origin-Embedder-Policy", "require-corp"],
    ["Cross-Origin-Resource-Policy", "same-origin"],
    ["Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"],
  ];
  if (options.secure)
    headers.push(["Strict-Transport-Security", "max-age=31536000; includeSubDomains"]);
  return headers;
}
