/**
 * Who may do what with an experiment, for every channel (Yjs, Socket.IO, HTTP routes, pages): the
 * caller's rights id (`rightsId`: signed-in users only) through the accounts' ONE rule (`roleOf`)
 * and ONE permission table (`can`). Nothing here decides anything of its own.
 */
import { can, roleOf, type Action, type Role } from "../accounts";
import { rightsId, type Identity } from "./identity";

export type { Role, Action };

/** The caller's role; null when the experiment is missing or hidden from them. */
export function roleFor(identity: Identity | null, experimentId: string): Promise<Role | null> {
  return roleOf(rightsId(identity), experimentId);
}

export const canEdit = (role: Role | null) => can(role, "edit");
export const canRun = (role: Role | null) => can(role, "run");
export const canManage = (role: Role | null) => can(role, "manage");
