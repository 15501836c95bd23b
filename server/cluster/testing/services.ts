/**
 * Test support for cluster tests: a fresh PostgreSQL database per test file (created, migrated,
 * dropped) and a unique Redis key prefix, against the test services (see ../db/testing for
 * PostgreSQL; CLIPIG_TEST_REDIS_URL, default the local Redis).
 */
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { closeDb } from "../../db/client";
import { migrate } from "../../db/migrate";
import { createTestPostgres, type TestPostgres } from "../../db/testing";

export const TEST_REDIS_URL = process.env.CLIPIG_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

export type { TestPostgres };
export { tinyExperiment } from "../../collab/testing";

/** Creates and migrates `clipig_test_<random>`; `drop()` removes it (after clients disconnect). */
export async function freshPostgres(): Promise<TestPostgres> {
  const database = await createTestPostgres();
  await migrate({ kind: "postgres", url: database.url });
  return database;
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

/**
 * One test file's share of the cluster services: its own migrated database (which `db()` uses after
 * `start()`) and Redis key prefix; `stop()` closes the client, drops the database, clears the prefix.
 */
export function testServices() {
  const prefix = testPrefix();
  let database: TestPostgres | undefined;
  return {
    prefix,
    /** The database's URL; only after `start()`. */
    get databaseUrl(): string {
      if (!database) throw new Error("testServices: start() first");
      return database.url;
    },
    async start(): Promise<void> {
      database = await freshPostgres();
      await useDatabase(database.url);
    },
    async stop(): Promise<void> {
      await closeDb();
      await database?.drop();
      await clearPrefix(prefix);
    },
  };
}
