/**
 * For a `describe` whose cases run on SQLite and on PostgreSQL alike: its cases get a fresh,
 * migrated PostgreSQL database (`createTestPostgres`) as `db()`, dropped afterwards, and
 * DATABASE_URL is restored for the rest of the file.
 */
import { afterAll, beforeAll } from "vitest";
import { closeDb } from "./client";
import { migrate } from "./migrate";
import { createTestPostgres, type TestPostgres } from "./testing";
import { dbTarget } from "./url";

/** Call inside the `describe`, before its cases. */
export function usePostgresInSuite(): void {
  let pg: TestPostgres;
  let saved: string | undefined;
  beforeAll(async () => {
    pg = await createTestPostgres();
    saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = pg.url;
    await closeDb();
    await migrate(dbTarget());
  });
  afterAll(async () => {
    await closeDb();
    process.env.DATABASE_URL = saved;
    await pg.drop();
  });
}
