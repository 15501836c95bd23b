// Derives prisma/postgres/schema.prisma from prisma/schema.prisma, so the data model has one source.
import { readFileSync, writeFileSync, mkdirSync, existsSync } from "node:fs";

const src = readFileSync(new URL("../prisma/schema.prisma", import.meta.url), "utf8");
const pg = src
  .replace(
    'output       = "../lib/generated/prisma-sqlite"',
    'output       = "../../lib/generated/prisma-pg"',
  )
  .replace('provider = "sqlite"', 'provider = "postgresql"')
  .replace('url      = "file:../data/clipig.db"', 'url      = "postgresql://localhost/clipig"')
  .replace(
    /^\/\/ The one data model[\s\S]*?differ\.\n/m,
    "// GENERATED from prisma/schema.prisma by scripts/db-schemas.mjs: do not edit.\n",
  );
if (pg === src) throw new Error("db-schemas: nothing replaced");
mkdirSync(new URL("../prisma/postgres/", import.meta.url), { recursive: true });
const out = new URL("../prisma/postgres/schema.prisma", import.meta.url);
// Only rewrite on change, so the generated client's freshness check stays meaningful.
if (!existsSync(out) || readFileSync(out, "utf8") !== pg) writeFileSync(out, pg);
