/**
 * Test support shared by the collab, realtime, runs and security tests: a fresh SQLite file in a
 * temp data dir (set through the same env variables the server reads), migrated, row makers, and
 * callers as the server sees them — signed-in users with a real session, guests, nobody.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createSession, SESSION_COOKIE, type Role } from "../accounts";
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

export async function createExperiment(
  yaml: string,
  opts: { visibility?: string; ownerId?: string; members?: Record<string, Role> } = {},
): Promise<string> {
  const row = await db().experiment.create({
    data: {
      title: "test",
      yaml,
      visibility: opts.visibility ?? "public",
      ownerId: opts.ownerId,
      members: {
        create: Object.entries(opts.members ?? {}).map(([userId, role]) => ({ userId, role })),
      },
    },
    select: { id: true },
  });
  return row.id;
}

export interface TestCaller {
  identity: Identity;
  cookie: string;
}

/** A visitor with a guest cookie: a presence name, the rights of an anonymous visitor. */
export function guest(): TestCaller {
  const identity = newGuest();
  return { identity, cookie: `${GUEST_COOKIE}=${encodeGuest(identity)}` };
}

/** A signed-in user (a User row and a live session; no password, which sessions do not need). */
export async function signedIn(name = `u${randomBytes(5).toString("hex")}`): Promise<TestCaller> {
  const user = await db().user.create({
    data: { username: name, displayName: name, color: "#60a5fa" },
  });
  const session = await createSession(user.id);
  return {
    identity: { id: user.id, name, color: user.color, kind: "user", sessionId: session.sessionId },
    cookie: `${SESSION_COOKIE}=${session.token}`,
  };
}

/** Makes `user` a member of an experiment with `role`. */
export async function share(experimentId: string, user: TestCaller, role: Role): Promise<void> {
  await db().member.upsert({
    where: { experimentId_userId: { experimentId, userId: user.identity.id } },
    create: { experimentId, userId: user.identity.id, role },
    update: { role },
  });
}

/** Headers a browser tab on the studio's own origin sends with its sockets. */
export const tabHeaders = (port: number, cookie?: string): Record<string, string> => ({
  origin: `http://127.0.0.1:${port}`,
  ...(cookie ? { cookie } : {}),
});
