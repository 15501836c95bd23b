/**
 * Which experiments a page may name to the caller in a list (a render's forks and origin). Naming
 * one hands out its id, and an unlisted experiment's id is its link: so a list shows public
 * experiments, and the others only to those the ONE rule lets in without the link (owner,
 * members). Private ones follow from the same test.
 */
import { db } from "../db/client";
import { rightsId, type Identity } from "../auth/identity";
import { roleFor, type AccessFacts } from "./access";

/** True when `me` may open the experiment without having been given its link. */
export function mayList(exp: AccessFacts, me: Identity | null, memberRole: string | null): boolean {
  if (exp.visibility === "public") return roleFor(exp, me, memberRole) !== null;
  return roleFor({ ownerId: exp.ownerId, visibility: "private" }, me, memberRole) !== null;
}

/** The experiments of `list` that `me` may see named, in order (one query for member rows). */
export async function listableFor<T extends AccessFacts & { id: string }>(
  list: readonly T[],
  me: Identity | null,
): Promise<T[]> {
  const userId = rightsId(me);
  const hidden = list.filter((e) => e.visibility !== "public").map((e) => e.id);
  const members =
    userId && hidden.length
      ? await db().member.findMany({
          where: { userId, experimentId: { in: hidden } },
          select: { experimentId: true, role: true },
        })
      : [];
  const roles = new Map(members.map((m) => [m.experimentId, m.role]));
  return list.filter((e) => mayList(e, me, roles.get(e.id) ?? null));
}

/** The same test as a query filter (`OR` of): public, or owned by / shared with the caller. */
export function listableWhere(me: Identity | null) {
  const userId = rightsId(me);
  return [
    { visibility: "public" },
    ...(userId ? [{ ownerId: userId }, { members: { some: { userId } } }] : []),
  ];
}
