/** Socket.IO on the studio's HTTP server: one room per experiment (`exp:<id>`). */
import type { Server as HttpServer } from "node:http";
import { Server } from "socket.io";
import { PROTOCOL_VERSION, type ClientToServerEvents, type ServerToClientEvents } from "./protocol";

const EXPERIMENT_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function createSocketServer(http: HttpServer) {
  const io = new Server<ClientToServerEvents, ServerToClientEvents>(http, {
    path: "/socket.io",
    // Leave other upgrades (the Yjs endpoint, Next's HMR) to their own handlers.
    destroyUpgrade: false,
    maxHttpBufferSize: 1 << 20,
  });
  io.on("connection", (socket) => {
    socket.emit("hello", { protocol: PROTOCOL_VERSION, server: "clipig-studio" });
    socket.on("room:join", (payload, ack) => {
      if (typeof ack !== "function") return;
      const id = (payload as { experimentId?: unknown } | null)?.experimentId;
      if (typeof id !== "string" || !EXPERIMENT_ID.test(id)) {
        ack({ ok: false, code: "bad_request", message: "experimentId must be 1-64 letters, digits, _ or -" });
        return;
      }
      void socket.join(`exp:${id}`);
      ack({ ok: true });
    });
  });
  return io;
}
