/**
 * Test support for cluster tests: a fresh PostgreSQL database per test file (created, migrated,
 * dropped) and a unique Redis key prefix, against the services at PG_ADMIN_URL / REDIS_URL
 * (defaults: the local PostgreSQL and Redis on 127.0.0.1).
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { Redis } from "ioredis";
import { closeDb } from "../db/client";
import { migrate } from "../db/migrate";

export const TEST_REDIS_URL = process.env.CLIPIG_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const ADMIN_URL = process.env.CLIPIG_TEST_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

export interface TestPostgres {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** Creates and migrates `clipig_test_<random>`; `drop()` removes it (after clients disconnect). */
export async function freshPostgres(): Promise<TestPostgres> {
  const name = `clipig_test_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  await migrate({ kind: "postgres", url: url.toString() });
  return {
    url: url.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Points this process's `db()` at `url` (closing the previous client). */
export async function useDatabase(url: string): Promise<void> {
  await closeDb();
  process.env.DATABASE_URL = url;
}

export const testPrefix = () => `clipig-test-${randomBytes(4).toString("hex")}:`;

/** Deletes every key under `prefix` (BullMQ queues, heartbeats, frames). */
export async function clearPrefix(prefix: string, url = TEST_REDIS_URL): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}
