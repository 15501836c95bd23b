/**
 * The one Prisma client of the process (cached on globalThis so Next's module reloads reuse it).
 * SQLite by default; DATABASE_URL=postgresql://… uses the PostgreSQL client generated from the same model.
 */
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient as SqliteClient } from "../../lib/generated/prisma-sqlite/client";
import { PrismaClient as PgClient } from "../../lib/generated/prisma-pg/client";
import { dbTarget } from "./url";

/** Both generated clients have the same API; the SQLite one's type stands for both. */
export type Db = InstanceType<typeof SqliteClient>;

const holder = globalThis as unknown as { __clipigDb?: Db };

export function createDb(): Db {
  const target = dbTarget();
  if (target.kind === "postgres") {
    return new PgClient({
      adapter: new PrismaPg({ connectionString: target.url }),
    }) as unknown as Db;
  }
  return new SqliteClient({ adapter: new PrismaBetterSQLite3({ url: target.url }) });
}

export function db(): Db {
  holder.__clipigDb ??= createDb();
  return holder.__clipigDb;
}

export async function closeDb(): Promise<void> {
  const current = holder.__clipigDb;
  holder.__clipigDb = undefined;
  await current?.$disconnect();
}
