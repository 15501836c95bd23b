/**
 * `GET /api/images/<runId>/<file>`: a run's final image or a snapshot, from the data dir. The
 * path is rebuilt from a validated id and file name, must be one the run recorded, and the caller
 * must be allowed to see the experiment (private ones answer 404, as if missing).
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { roleFor as defaultRoleFor } from "../auth/access";
import { identify, type Identity } from "../auth/identity";
import { ID_PATTERN, type Role } from "../domain";
import { IMAGE_FILE, IMAGE_URL_PREFIX, relativeImagePath } from "./images";
import type { RunStore } from "./store";

export interface ImageRouteOptions {
  store: RunStore;
  dataDir: string;
  roleFor?: (identity: Identity | null, experimentId: string) => Promise<Role | null>;
}

/** Returns a handler that answers image requests and returns false for every other URL. */
export function imageRoute(options: ImageRouteOptions) {
  const roleFor = options.roleFor ?? ((identity, id) => defaultRoleFor(identity, id));
  const end = (res: ServerResponse, status: number) => {
    res
      .writeHead(status, { "content-type": "text/plain", "x-content-type-options": "nosniff" })
      .end(status === 404 ? "not found" : "method not allowed");
    return true;
  };

  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const pathname = (req.url ?? "").split("?")[0];
    if (!pathname.startsWith(IMAGE_URL_PREFIX)) return false;
    if (req.method !== "GET" && req.method !== "HEAD") return end(res, 405);
    const [runId, file, ...rest] = pathname.slice(IMAGE_URL_PREFIX.length).split("/");
    if (rest.length || !ID_PATTERN.test(runId ?? "") || !IMAGE_FILE.test(file ?? ""))
      return end(res, 404);
    const relative = relativeImagePath(runId, file);
    const owner = await options.store.hasImage(runId, relative);
    if (!owner || !(await roleFor(await identify(req.headers.cookie), owner.experimentId)))
      return end(res, 404);
    const absolute = path.join(options.dataDir, relative);
    const info = await stat(absolute).catch(() => null);
    if (!info?.isFile()) return end(res, 404);
    const etag = `"${info.size.toString(36)}-${Math.trunc(info.mtimeMs).toString(36)}"`;
    const headers = {
      "content-type": "image/png",
      "cache-control": "private, no-cache",
      "x-content-type-options": "nosniff",
      etag,
    };
    if (req.headers["if-none-match"] === etag) {
      res.writeHead(304, headers).end();
      return true;
    }
    res.writeHead(200, { ...headers, "content-length": info.size });
    if (req.method === "HEAD") res.end();
    else
      createReadStream(absolute)
        .on("error", () => res.destroy())
        .pipe(res);
    return true;
  };
}
