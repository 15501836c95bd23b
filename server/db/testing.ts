/**
 * Test support for the database: a migrated SQLite file per test file, or a PostgreSQL database
 * created on the test server (CLIPIG_TEST_PG_URL or PG_ADMIN_URL; default the local PostgreSQL)
 * and dropped afterwards.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { closeDb } from "./client";
import { migrate } from "./migrate";
import { dbTarget } from "./url";

const ADMIN_URL =
  process.env.CLIPIG_TEST_PG_URL ??
  process.env.PG_ADMIN_URL ??
  "postgresql://postgres@127.0.0.1:5432/postgres";

/** A fresh SQLite file in a new temp folder (also CLIPIG_DATA_DIR), migrated; `db()` now uses it. */
export async function useTempDatabase(prefix: string): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), `clipig-${prefix}-`));
  process.env.CLIPIG_DATA_DIR = dir;
  process.env.DATABASE_URL = `file:${path.join(dir, "t.db")}`;
  await closeDb();
  await migrate(dbTarget());
  return dir;
}

export interface TestPostgres {
  url: string;
  name: string;
  drop(): Promise<void>;
}

async function asAdmin(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/** Creates an empty `clipig_test_<random>`; `drop()` removes it, forcing out its clients. */
export async function createTestPostgres(): Promise<TestPostgres> {
  const name = `clipig_test_${randomBytes(5).toString("hex")}`;
  await asAdmin(`CREATE DATABASE "${name}"`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => asAdmin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}
