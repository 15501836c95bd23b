/** Test helper: a fresh SQLite file per test file, migrated, as the real server would use it. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { closeDb } from "../db/client";
import { migrate } from "../db/migrate";
import { dbTarget } from "../db/url";

export async function useTempDatabase(prefix: string): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), `clipig-${prefix}-`));
  process.env.CLIPIG_DATA_DIR = dir;
  process.env.DATABASE_URL = `file:${path.join(dir, "t.db")}`;
  await closeDb();
  await migrate(dbTarget());
  return dir;
}
