/**
 * Test support shared by the collab, realtime and runs tests: a fresh SQLite file in a temp data
 * dir (set through the same env variables the server reads), migrated, and a few row makers.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { closeDb, db } from "../db/client";
import { migrate } from "../db/migrate";
import { encodeGuest, newGuest, GUEST_COOKIE, type Identity } from "../auth/identity";

/** Points this process at a new data dir + database; call before anything touches `db()`. */
export async function useTempDatabase(): Promise<string> {
  await closeDb();
  const dir = mkdtempSync(path.join(tmpdir(), "clipig-rt-"));
  process.env.CLIPIG_DATA_DIR = dir;
  process.env.DATABASE_URL = `file:${path.join(dir, "clipig.db")}`;
  await migrate();
  return dir;
}

export async function createExperiment(yaml: string, opts: { visibility?: string; ownerId?: string } = {}): Promise<string> {
  const row = await db().experiment.create({
    data: { title: "test", yaml, visibility: opts.visibility ?? "public", ownerId: opts.ownerId },
    select: { id: true },
  });
  return row.id;
}

export function guest(): { identity: Identity; cookie: string } {
  const identity = newGuest();
  return { identity, cookie: `${GUEST_COOKIE}=${encodeGuest(identity)}` };
}
