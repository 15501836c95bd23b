/**
 * Redis connections. Each subscriber needs its own connection (a subscribed connection can do
 * nothing else), and BullMQ's blocking workers want `maxRetriesPerRequest: null`, so every user
 * asks for a fresh one by name and closes what it opened.
 */
import { Redis } from "ioredis";

export function connectRedis(url: string, name: string): Redis {
  const redis = new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: null,
    // Reconnect quickly but not in a tight loop while Redis restarts.
    retryStrategy: (times) => Math.min(times * 100, 2000),
  });
  redis.on("error", (error: Error) => {
    // ioredis retries by itself; a log line per failure is enough.
    if (!/ECONNREFUSED|ECONNRESET|ETIMEDOUT/.test(error.message))
      console.error(`redis (${name}):`, error.message);
  });
  return redis;
}

/** Closes gracefully, or drops the connection when Redis does not answer. */
export async function closeRedis(...connections: Redis[]): Promise<void> {
  await Promise.all(
    connections.map(async (c) => {
      if (c.status === "end") return;
      try {
        await Promise.race([
          c.quit(),
          new Promise((_, reject) => setTimeout(() => reject(new Error("quit timeout")), 1000)),
        ]);
      } catch {
        c.disconnect();
      }
    }),
  );
}

export type { Redis };
