// Prisma CLI configuration. The JS schema engine with a driver adapter works offline
// (the classic engine would download a binary). DATABASE_URL=postgresql://… selects PostgreSQL.
import path from "node:path";
import { defineConfig } from "prisma/config";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";

const url = process.env.DATABASE_URL ?? "";
const postgres = /^postgres(ql)?:\/\//.test(url);

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: postgres
    ? path.join("prisma", "postgres", "schema.prisma")
    : path.join("prisma", "schema.prisma"),
  migrations: {
    path: postgres
      ? path.join("prisma", "postgres", "migrations")
      : path.join("prisma", "migrations"),
  },
  async adapter() {
    if (postgres) return new PrismaPg({ connectionString: url });
    return new PrismaBetterSQLite3({ url: url || "file:./data/clipig.db" });
  },
});
