/**
 * `GET /healthz`, `GET /readyz` and `GET /metrics` as one request handler the studio server mounts
 * in front of its pages. Returns false for every other URL (the image route's convention).
 * `/metrics` is off (404) unless a token is configured, then it needs `Authorization: Bearer`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { readiness, type Check } from "./health";
import type { Registry } from "./metrics";
import { bearerMatches, metricsTokenFromEnv } from "./metrics-access";

export interface OpsOptions {
  checks: Record<string, Check>;
  metrics: Registry;
  readyTimeoutMs?: number;
  /** Bearer token for `/metrics`; null: metrics off (default: `CLIPIG_METRICS_TOKEN`). */
  metricsToken?: string | null;
}

export const OPS_PATHS = ["/healthz", "/readyz", "/metrics"] as const;

export function opsHandler(options: OpsOptions) {
  const token = options.metricsToken === undefined ? metricsTokenFromEnv() : options.metricsToken;
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const pathname = (req.url ?? "").split("?")[0];
    if (!(OPS_PATHS as readonly string[]).includes(pathname)) return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return true;
    }
    const send = (status: number, type: string, body: string) => {
      res
        .writeHead(status, { "content-type": type, "cache-control": "no-store" })
        .end(req.method === "HEAD" ? undefined : body);
      return true;
    };
    if (pathname === "/healthz") return send(200, "application/json", JSON.stringify({ ok: true }));
    if (pathname === "/readyz") {
      const ready = await readiness(options.checks, options.readyTimeoutMs);
      return send(ready.ok ? 200 : 503, "application/json", JSON.stringify(ready));
    }
    if (token === null)
      return send(404, "text/plain", "metrics are off; set CLIPIG_METRICS_TOKEN to turn them on\n");
    if (!bearerMatches(req.headers.authorization, token)) {
      res.setHeader("www-authenticate", 'Bearer realm="metrics"');
      return send(401, "text/plain", "metrics need Authorization: Bearer <CLIPIG_METRICS_TOKEN>\n");
    }
    return send(200, "text/plain; version=0.0.4; charset=utf-8", await options.metrics.render());
  };
}
