/**
 * Socket.IO rooms across nodes: the Redis adapter relays `io.to(room).emit(…)` to the sockets of
 * the room on every node (one pub and one sub connection per node).
 */
import { createAdapter } from "@socket.io/redis-adapter";
import type { Server } from "socket.io";
import { closeRedis, connectRedis } from "./redis";

export interface AdapterHandle {
  /** Call after `io.close()` (which unsubscribes through these connections). */
  close(): Promise<void>;
}

export function attachRedisAdapter(io: Server, url: string, prefix = "clipig:"): AdapterHandle {
  const pub = connectRedis(url, "socket.io-pub");
  const sub = connectRedis(url, "socket.io-sub");
  io.adapter(createAdapter(pub, sub, { key: `${prefix}socket.io` }));
  return { close: () => closeRedis(pub, sub) };
}
