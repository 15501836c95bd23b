/**
 * `GET /healthz`, `GET /readyz` and `GET /metrics` as one request handler the studio server mounts
 * in front of its pages. Returns false for every other URL (the image route's convention).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { readiness, type Check } from "./health";
import type { Registry } from "./metrics";

export interface OpsOptions {
  checks: Record<string, Check>;
  metrics: Registry;
  readyTimeoutMs?: number;
}

export const OPS_PATHS = ["/healthz", "/readyz", "/metrics"] as const;

export function opsHandler(options: OpsOptions) {
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
    return send(200, "text/plain; version=0.0.4; charset=utf-8", await options.metrics.render());
  };
}
