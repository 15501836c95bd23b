/**
 * Composes the studio's one HTTP server: a page handler (Next.js in production), Socket.IO at
 * /socket.io and the Yjs endpoint at /yjs/<room>, all on one port.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { AddressInfo } from "node:net";
import { createYjsEndpoint } from "./collab/yjs-endpoint";
import { createSocketServer } from "./realtime/socket-server";

export interface StudioServerOptions {
  port: number;
  host?: string;
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Other upgrades (Next's dev HMR); default: refuse. */
  upgrade?(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

export interface StudioServer {
  port: number;
  close(): Promise<void>;
}

export async function startStudioServer(opts: StudioServerOptions): Promise<StudioServer> {
  const http = createServer(opts.handle);
  const yjs = createYjsEndpoint();
  const io = createSocketServer(http);
  http.on("upgrade", (req, socket, head) => {
    if (req.url?.startsWith("/socket.io")) return; // Socket.IO's own listener handles it
    if (yjs.handleUpgrade(req, socket, head)) return;
    if (opts.upgrade) opts.upgrade(req, socket, head);
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(opts.port, opts.host ?? "0.0.0.0", resolve);
  });
  return {
    port: (http.address() as AddressInfo).port,
    async close() {
      yjs.close();
      await io.close(); // also closes the HTTP server
    },
  };
}
