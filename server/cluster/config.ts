/**
 * Cluster mode is on when `REDIS_URL` is set. Settings:
 * - `REDIS_URL` — `redis://[:password@]host:port[/db]` (or `rediss://` for TLS).
 * - `CLIPIG_REDIS_PREFIX` (default `clipig:`) — prefix of every key and channel, so several
 *   studios (or test runs) share one Redis.
 * - `CLIPIG_NODE_ID` — this process's name in logs and worker heartbeats (default host:pid).
 */
import { hostname } from "node:os";

export interface ClusterConfig {
  redisUrl: string;
  prefix: string;
  nodeId: string;
}

export function clusterConfig(env: NodeJS.ProcessEnv = process.env): ClusterConfig | null {
  const redisUrl = env.REDIS_URL?.trim();
  if (!redisUrl) return null;
  if (!/^rediss?:\/\//.test(redisUrl))
    throw new Error(`REDIS_URL must start with redis:// or rediss://, got '${redisUrl}'`);
  const prefix = env.CLIPIG_REDIS_PREFIX ?? "clipig:";
  if (!/^[A-Za-z0-9:_.-]{0,64}$/.test(prefix))
    throw new Error(`CLIPIG_REDIS_PREFIX: letters, digits and : _ . - only, got '${prefix}'`);
  return { redisUrl, prefix, nodeId: env.CLIPIG_NODE_ID ?? `${hostname()}:${process.pid}` };
}
