import { describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { migrate, migrationsFor } from "./migrate";
import { createTestPostgres } from "./testing";

describe("migrations", () => {
  it("SQLite: creates every table once, and a second run applies nothing", async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "clipig-db-")), "t.db");
    const first = await migrate({ kind: "sqlite", url: `file:${file}`, file });
    expect(first).toEqual(migrationsFor("sqlite").map((m) => m.name));
    expect(await migrate({ kind: "sqlite", url: `file:${file}`, file })).toEqual([]);
    const db = new Database(file);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type='table'").all() as {
      name: string;
    }[];
    db.close();
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining([
        "User",
        "Experiment",
        "Run",
        "Snapshot",
        "RunStat",
        "Revision",
        "YjsUpdate",
        "Member",
      ]),
    );
  });

  it("PostgreSQL: the same schema on a fresh database", async () => {
    const { url, drop } = await createTestPostgres();
    try {
      expect(await migrate({ kind: "postgres", url })).toEqual(
        migrationsFor("postgres").map((m) => m.name),
      );
      expect(await migrate({ kind: "postgres", url })).toEqual([]);
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      const { rows } = await c.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema='public'",
      );
      await c.end();
      expect(rows.map((r) => r.table_name)).toEqual(
        expect.arrayContaining(["User", "Experiment", "Run", "Snapshot"]),
      );
    } finally {
      await drop();
    }
  });
});
