/**
 * Who may do what with an experiment, decided over rows the caller already loaded (lists of forks,
 * an origin) — the same rule as `server/auth/access.ts`, which the sockets use; a test holds the
 * two together. Until accounts land (issue 7) a public or unlisted experiment is an open room: any
 * identified visitor edits and runs, one without an identity watches. Private experiments admit
 * only their owner and members; to anyone else they do not exist (pages answer notFound()).
 */
import type { Identity } from "../auth/identity";
import type { Role } from "../realtime/protocol";

export interface AccessFacts {
  ownerId: string | null;
  visibility: string;
}

const ROLES: readonly Role[] = ["owner", "editor", "runner", "viewer"];

export function roleFor(exp: AccessFacts, me: Identity | null, memberRole: string | null = null): Role | null {
  if (me && exp.ownerId === me.id) return "owner";
  if (memberRole && (ROLES as readonly string[]).includes(memberRole)) return memberRole as Role;
  if (exp.visibility === "private") return null;
  return me ? "editor" : "viewer";
}

export const canEdit = (role: Role | null) => role === "owner" || role === "editor";
export const canRun = (role: Role | null) => canEdit(role) || role === "runner";
export const canManage = (role: Role | null) => role === "owner";
