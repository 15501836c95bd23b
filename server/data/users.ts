/**
 * Guests become User rows the first time they write something (own an experiment, save a
 * revision), so ownership and authorship are plain foreign keys. The row id is the guest id.
 */
import type { Identity } from "../auth/identity";
import type { Db } from "../db/client";

type Tx = Pick<Db, "user">;

export async function ensureUser(tx: Tx, me: Identity): Promise<string> {
  await tx.user.upsert({
    where: { id: me.id },
    create: { id: me.id, username: me.id, displayName: me.name, color: me.color },
    update: { displayName: me.name, color: me.color },
  });
  return me.id;
}
