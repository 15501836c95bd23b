/**
 * Who may do what with an experiment. Every channel (Yjs, Socket.IO, image route) asks `roleFor`.
 * Until accounts and sharing land (issue 7): on public and unlisted experiments any identified
 * visitor edits and runs, a visitor without an identity only watches; private ones are open to
 * their owner and members only, and look missing to everyone else.
 */
import { db as defaultDb, type Db } from "../db/client";
import type { Role } from "../realtime/protocol";
import type { Identity } from "./identity";

const ROLES: readonly Role[] = ["owner", "editor", "runner", "viewer"];

export async function roleFor(identity: Identity | null, experimentId: string, database: Db = defaultDb()): Promise<Role | null> {
  const experiment = await database.experiment.findUnique({
    where: { id: experimentId },
    select: {
      visibility: true,
      ownerId: true,
      members: identity ? { where: { userId: identity.id }, select: { role: true } } : false,
    },
  });
  if (!experiment) return null;
  if (identity && experiment.ownerId === identity.id) return "owner";
  const member = experiment.members?.[0]?.role;
  if (member && (ROLES as readonly string[]).includes(member)) return member as Role;
  if (experiment.visibility === "private") return null;
  return identity ? "editor" : "viewer";
}

export const canEdit = (role: Role) => role === "owner" || role === "editor";
export const canRun = (role: Role) => role !== "viewer";
