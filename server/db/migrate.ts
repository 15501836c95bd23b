/**
 * Applies the SQL migrations under prisma/migrations (SQLite) or prisma/postgres/migrations on start.
 * Each migration runs in one transaction and is recorded in _clipig_migrations, so a crash mid-way
 * leaves no half-applied schema. (Prisma's `migrate deploy` needs a binary download for PostgreSQL
 * introspection in 6.19; the SQL itself comes from `prisma migrate diff`.)
 */
import { readdirSync, readFileSync, existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { dbTarget, type DbTarget } from "./url";

const ROOT = path.resolve(import.meta.dirname, "..", "..");

export interface Migration {
  name: string;
  sql: string;
}

export function migrationsFor(kind: DbTarget["kind"]): Migration[] {
  const dir = path.join(ROOT, "prisma", ...(kind === "postgres" ? ["postgres"] : []), "migrations");
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(dir, d.name, "migration.sql")))
    .map((d) => ({
      name: d.name,
      sql: readFileSync(path.join(dir, d.name, "migration.sql"), "utf8"),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

const LEDGER = `CREATE TABLE IF NOT EXISTS "_clipig_migrations" ("name" TEXT PRIMARY KEY, "appliedAt" TEXT NOT NULL)`;

function migrateSqlite(file: string, migrations: Migration[]): string[] {
  mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    db.pragma("journal_mode = WAL");
    db.exec(LEDGER);
    const done = new Set(
      db
        .prepare(`SELECT "name" FROM "_clipig_migrations"`)
        .all()
        .map((r) => (r as { name: string }).name),
    );
    const applied: string[] = [];
    for (const m of migrations) {
      if (done.has(m.name)) continue;
      db.transaction(() => {
        db.exec(m.sql);
        db.prepare(`INSERT INTO "_clipig_migrations" VALUES (?, ?)`).run(
          m.name,
          new Date().toISOString(),
        );
      })();
      applied.push(m.name);
    }
    return applied;
  } finally {
    db.close();
  }
}

async function migratePostgres(url: string, migrations: Migration[]): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // One migrator at a time across nodes.
    await client.query("SELECT pg_advisory_lock(727274)");
    await client.query(LEDGER);
    const { rows } = await client.query<{ name: string }>(
      `SELECT "name" FROM "_clipig_migrations"`,
    );
    const done = new Set(rows.map((r) => r.name));
    const applied: string[] = [];
    for (const m of migrations) {
      if (done.has(m.name)) continue;
      await client.query("BEGIN");
      try {
        await client.query(m.sql);
        await client.query(`INSERT INTO "_clipig_migrations" VALUES ($1, $2)`, [
          m.name,
          new Date().toISOString(),
        ]);
        await client.query("COMMIT");
      } catch (e) {
        await client.query("ROLLBACK");
        throw new Error(`migration ${m.name} failed: ${(e as Error).message}`);
      }
      applied.push(m.name);
    }
    return applied;
  } finally {
    await client.query("SELECT pg_advisory_unlock(727274)").catch(() => undefined);
    await client.end();
  }
}

/** Brings the database up to date; returns the names of the migrations it applied. */
export async function migrate(target: DbTarget = dbTarget()): Promise<string[]> {
  const migrations = migrationsFor(target.kind);
  if (target.kind === "postgres") return migratePostgres(target.url, migrations);
  return migrateSqlite(target.file!, migrations);
}
