/**
 * An owner's sharing panel: visibility, members (invited by username with a role) and share
 * links that carry a role. A thin layer over `server/accounts`, whose functions check the actor's
 * right to manage themselves and announce every shrinking change (`onAccessRevoked`), so live
 * sockets are cut. Errors are `AccountError`s with a closed code (the routes map them to HTTP).
 */
import {
  addMember,
  createShareLink,
  listMembers,
  listShareLinks,
  redeemShareLink,
  requireRole,
  revokeMember,
  revokeShareLink,
  setVisibility,
  AccountError,
  type Role,
  type Visibility,
} from "../accounts";
import { rightsId, type Identity } from "../auth/identity";
import { db } from "../db/client";

export interface MemberRow {
  userId: string;
  username: string;
  displayName: string;
  role: Role;
}

export interface LinkRow {
  id: string;
  role: Role;
  createdAt: string;
  revoked: boolean;
}

export interface SharingDto {
  visibility: string;
  members: MemberRow[];
  links: LinkRow[];
}

/** Signed-in callers only: everyone else is refused as if the experiment were not there to manage. */
function actor(me: Identity | null): string {
  const id = rightsId(me);
  if (!id) throw new AccountError("forbidden", "Sign in to manage sharing");
  return id;
}

export async function getSharing(me: Identity | null, experimentId: string): Promise<SharingDto> {
  const by = actor(me);
  await requireRole(by, experimentId, "manage");
  const [row, members, links] = await Promise.all([
    db().experiment.findUniqueOrThrow({ where: { id: experimentId }, select: { visibility: true } }),
    listMembers(by, experimentId),
    listShareLinks(by, experimentId),
  ]);
  return {
    visibility: row.visibility,
    members: members.map((m) => ({ userId: m.user.id, username: m.user.username, displayName: m.user.displayName, role: m.role })),
    links: links.map((l) => ({ id: l.id, role: l.role, createdAt: l.createdAt.toISOString(), revoked: l.revoked })),
  };
}

export async function invite(me: Identity | null, experimentId: string, username: string, role: Role): Promise<MemberRow> {
  const { user, role: granted } = await addMember(actor(me), experimentId, username, role);
  return { userId: user.id, username: user.username, displayName: user.displayName, role: granted };
}

export async function removeMember(me: Identity | null, experimentId: string, userId: string): Promise<boolean> {
  const by = actor(me);
  // revokeMember lets members leave by themselves; anyone else must manage this experiment.
  if (by !== userId) await requireRole(by, experimentId, "manage");
  return revokeMember(by, experimentId, userId);
}

/** A new link; the token is in the returned URL path only, never stored. */
export async function createLink(me: Identity | null, experimentId: string, role: Role): Promise<LinkRow & { path: string }> {
  const link = await createShareLink(actor(me), experimentId, role);
  return { id: link.id, role: link.role, createdAt: link.createdAt.toISOString(), revoked: false, path: `/join/${link.token}` };
}

export async function revokeLink(me: Identity | null, experimentId: string, linkId: string): Promise<boolean> {
  const by = actor(me);
  const link = await db().shareLink.findUnique({ where: { id: linkId }, select: { experimentId: true } });
  // A link of another experiment is "not found" here, whatever the caller may do there.
  if (!link || link.experimentId !== experimentId) throw new AccountError("not_found", "No such share link");
  return revokeShareLink(by, linkId);
}

export async function changeVisibility(me: Identity | null, experimentId: string, visibility: Visibility): Promise<void> {
  await setVisibility(actor(me), experimentId, visibility);
}

export async function joinByLink(me: Identity | null, token: string): Promise<{ experimentId: string; role: Role }> {
  const id = rightsId(me);
  if (!id) throw new AccountError("forbidden", "Sign in to join");
  return redeemShareLink(token, id);
}
