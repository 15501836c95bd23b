/** Routes `/yjs/<experimentId>` upgrades to the collaboration server (what y-websocket clients open). */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { YJS_PATH } from "../realtime/protocol";
import { ID_PATTERN } from "../domain";
import type { CollabServer } from "./collab-server";

export function documentNameOf(url: string | undefined): string | null {
  const pathname = (url ?? "").split("?")[0];
  if (!pathname.startsWith(`${YJS_PATH}/`)) return null;
  const name = pathname.slice(YJS_PATH.length + 1);
  return ID_PATTERN.test(name) ? name : null;
}

/**
 * Returns false when the request is not for this endpoint. `admit` (the per-address connection
 * cap) sees every well-formed request first and answers a refused one itself.
 */
export function handleYjsUpgrade(
  collab: CollabServer,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  admit: (req: IncomingMessage, socket: Duplex) => boolean = () => true,
): boolean {
  if (!req.url?.startsWith(`${YJS_PATH}/`)) return false;
  const name = documentNameOf(req.url);
  if (!name) socket.end("HTTP/1.1 400 Bad Request\r\n\r\n");
  else if (admit(req, socket)) collab.handleUpgrade(req, socket, head, name);
  return true;
}
