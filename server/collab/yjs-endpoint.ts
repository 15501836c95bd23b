/** The Yjs websocket endpoint: `/yjs/<room>` upgrades speak the y-websocket protocol. */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { setupWSConnection } from "@y/websocket-server/utils";

const ROOM = /^\/yjs\/([A-Za-z0-9_-]{1,64})$/;

export function roomOf(url: string | undefined): string | null {
  const pathname = (url ?? "").split("?")[0];
  return ROOM.exec(pathname)?.[1] ?? null;
}

export function createYjsEndpoint() {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  return {
    /** Returns false when the request is not for this endpoint. */
    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
      const room = roomOf(req.url);
      if (!req.url?.startsWith("/yjs/")) return false;
      if (!room) {
        socket.end("HTTP/1.1 400 Bad Request\r\n\r\n");
        return true;
      }
      wss.handleUpgrade(req, socket, head, (ws) => setupWSConnection(ws, req, { docName: room }));
      return true;
    },
    close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
    },
  };
}
