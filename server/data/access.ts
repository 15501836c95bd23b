/**
 * Who may do what with an experiment, decided over rows the caller already loaded (lists of forks,
 * an origin): the accounts' ONE rule (`roleFromFacts`) and ONE permission table (`can`), for the
 * caller's rights id (signed-in users only; a guest is an anonymous visitor). The sockets ask the
 * same rule through `server/auth/access.ts`; `access.test.ts` holds the two together.
 */
import { can, roleFromFacts, type Role } from "../accounts";
import { rightsId, type Identity } from "../auth/identity";

export interface AccessFacts {
  ownerId: string | null;
  visibility: string;
}

/** `memberRole` must be the member row of `rightsId(me)`, if any. */
export function roleFor(exp: AccessFacts, me: Identity | null, memberRole: string | null = null): Role | null {
  return roleFromFacts(exp, rightsId(me), memberRole);
}

export const canEdit = (role: Role | null) => can(role, "edit");
export const canRun = (role: Role | null) => can(role, "run");
export const canManage = (role: Role | null) => can(role, "manage");
export const canFork = (me: Identity | null, role: Role | null) => rightsId(me) !== null && can(role, "fork");
