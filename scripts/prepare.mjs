// Set-up shared by `npm start`, `npm test` and postinstall: generate the Prisma clients (offline,
// JS engine) when missing or stale. Migrations are applied by the server itself on start.
import { spawnSync } from "node:child_process";
import { existsSync, statSync, mkdirSync } from "node:fs";

process.env.CHECKPOINT_DISABLE = "1";
process.env.PRISMA_HIDE_UPDATE_MESSAGE = "1";
mkdirSync("data", { recursive: true });
spawnSync(process.execPath, ["scripts/db-schemas.mjs"], { stdio: "inherit" });

function stale(out, schema) {
  return (
    !existsSync(`${out}/client.ts`) ||
    statSync(`${out}/client.ts`).mtimeMs < statSync(schema).mtimeMs
  );
}

const clients = [
  {
    out: "lib/generated/prisma-sqlite",
    schema: "prisma/schema.prisma",
    url: "file:./data/clipig.db",
  },
  {
    out: "lib/generated/prisma-pg",
    schema: "prisma/postgres/schema.prisma",
    url: "postgresql://localhost/clipig",
  },
];
for (const c of clients) {
  if (!stale(c.out, c.schema)) continue;
  const r = spawnSync("npx", ["prisma", "generate"], {
    stdio: "inherit",
    env: { ...process.env, DATABASE_URL: c.url },
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
