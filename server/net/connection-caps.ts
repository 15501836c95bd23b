/**
 * Open connections per client address, one cap per kind (Yjs documents, Socket.IO sockets): one
 * visitor must not hold hundreds of sockets (memory, file descriptors, presence and frame fan-out).
 * Counted at the HTTP upgrade, released when the underlying TCP socket closes, whatever ended it.
 * The defaults leave room for a classroom behind one NAT; behind a reverse proxy set
 * `CLIPIG_TRUST_PROXY=1`, or every visitor shares the proxy's address.
 */
import type { Duplex } from "node:stream";

export interface ConnectionCapSettings {
  /** Yjs connections per address (`CLIPIG_MAX_YJS_CONNECTIONS_PER_ADDRESS`, 0 = no cap). */
  yjs: number;
  /** Socket.IO connections per address (`CLIPIG_MAX_SOCKETS_PER_ADDRESS`, 0 = no cap). */
  sockets: number;
}

export const DEFAULT_CONNECTION_CAPS: ConnectionCapSettings = { yjs: 50, sockets: 50 };

export function connectionCapsFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): ConnectionCapSettings {
  const read = (name: string, fallback: number) => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === "") return fallback;
    const value = Number(raw);
    if (!(Number.isInteger(value) && value >= 0 && value <= 1_000_000))
      throw new Error(`${name} must be a whole number from 0 (no cap) to 1000000, got '${raw}'`);
    return value;
  };
  return {
    yjs: read("CLIPIG_MAX_YJS_CONNECTIONS_PER_ADDRESS", DEFAULT_CONNECTION_CAPS.yjs),
    sockets: read("CLIPIG_MAX_SOCKETS_PER_ADDRESS", DEFAULT_CONNECTION_CAPS.sockets),
  };
}

export interface ConnectionCap {
  /**
   * Counts `socket` against `address` until it closes, or refuses it (HTTP 429 with a text saying
   * why, then closed) when the address already holds `limit` open connections of this kind.
   */
  admit(address: string, socket: Duplex): boolean;
  /** Open connections of this kind from `address`. */
  openFrom(address: string): number;
}

/** One cap; `kind` names the connections in the refusal ("Yjs", "Socket.IO"). `limit` 0 = no cap. */
export function connectionCap(kind: string, limit: number): ConnectionCap {
  const open = new Map<string, number>();
  return {
    admit(address, socket) {
      if (socket.destroyed) return false; // gone already: its close would never be counted
      const count = open.get(address) ?? 0;
      if (limit > 0 && count >= limit) {
        const body = `too many ${kind} connections from your address (limit ${limit}); close some tabs\n`;
        socket.on("error", () => {}); // the client may already be gone
        socket.end(
          "HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n" +
            `Retry-After: 10\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        );
        return false;
      }
      open.set(address, count + 1);
      socket.once("close", () => {
        const left = (open.get(address) ?? 1) - 1;
        if (left > 0) open.set(address, left);
        else open.delete(address);
      });
      return true;
    },
    openFrom: (address) => open.get(address) ?? 0,
  };
}
