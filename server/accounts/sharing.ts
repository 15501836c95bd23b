/**
 * Owners share an experiment: invite by username, hand out share links that carry a role, change
 * visibility, revoke. Every call checks the actor's right to `manage` itself (the data-layer rule:
 * authorization inside the function, not only in the page). Rights that shrink are announced with
 * `emitAccessRevoked` after the write commits.
 *
 * A share link is an invitation: redeeming it makes the signed-in user a member with the link's
 * role (never lowering a role they already have). Revoking a link stops new redemptions; members
 * who joined through it stay until revoked one by one, as with an invite by username.
 */
import { createHash, randomBytes } from "node:crypto";
import { db } from "../db/client";
import { AccountError } from "./errors";
import { emitAccessRevoked } from "./events";
import {
  can,
  GRANTABLE_ROLES,
  isRole,
  isVisibility,
  rank,
  roleOf,
  type Action,
  type Role,
  type Visibility,
} from "./roles";
import { normalizeUsername, usernameProblem } from "./rules";
import { userDto, USER_SELECT, type UserDto } from "./users";

export interface MemberDto {
  user: UserDto;
  role: Role;
}

export interface ShareLinkDto {
  id: string;
  role: Role;
  createdAt: Date;
  revoked: boolean;
}

const LINK_TOKEN = /^[A-Za-z0-9_-]{43}$/;
const hashLinkToken = (token: string) =>
  createHash("sha256").update(`share:${token}`).digest("hex");

/** Throws unless the actor may do `action`; a hidden experiment reads as missing. */
export async function requireRole(
  actorId: string | null,
  experimentId: string,
  action: Action,
): Promise<Role> {
  const role = await roleOf(actorId, experimentId);
  if (role === null) throw new AccountError("not_found", "No such experiment");
  if (!can(role, action))
    throw new AccountError("forbidden", `Your role (${role}) may not ${action} this experiment`);
  return role;
}

function grantable(role: unknown): Role {
  if (!isRole(role) || !GRANTABLE_ROLES.includes(role)) {
    throw new AccountError("invalid_role", `Role must be one of ${GRANTABLE_ROLES.join(", ")}`);
  }
  return role;
}

/** Invites a user by username with a role, or changes their role. */
export async function addMember(
  actorId: string,
  experimentId: string,
  username: string,
  role: Role,
): Promise<MemberDto> {
  await requireRole(actorId, experimentId, "manage");
  const granted = grantable(role);
  const name = normalizeUsername(String(username ?? ""));
  const user =
    usernameProblem(name) === null
      ? await db().user.findUnique({ where: { username: name }, select: USER_SELECT })
      : null;
  if (!user) throw new AccountError("not_found", `No user named '${name}'`);
  const previous = await db().$transaction(async (tx) => {
    const experiment = await tx.experiment.findUniqueOrThrow({
      where: { id: experimentId },
      select: { ownerId: true },
    });
    if (experiment.ownerId === user.id)
      throw new AccountError("forbidden", "The owner already has every right");
    const key = { experimentId_userId: { experimentId, userId: user.id } };
    const before = await tx.member.findUnique({ where: key, select: { role: true } });
    await tx.member.upsert({
      where: key,
      create: { experimentId, userId: user.id, role: granted },
      update: { role: granted },
    });
    return isRole(before?.role) ? before.role : null;
  });
  if (rank(previous) > rank(granted))
    emitAccessRevoked({ kind: "member", experimentId, userId: user.id, role: granted });
  return { user: userDto(user), role: granted };
}

/** Removes a member (an owner removing anyone, or a member leaving). */
export async function revokeMember(
  actorId: string,
  experimentId: string,
  userId: string,
): Promise<boolean> {
  if (actorId !== userId) await requireRole(actorId, experimentId, "manage");
  const { count } = await db().member.deleteMany({ where: { experimentId, userId } });
  if (count === 0) return false;
  emitAccessRevoked({
    kind: "member",
    experimentId,
    userId,
    role: await roleOf(userId, experimentId),
  });
  return true;
}

export async function listMembers(actorId: string, experimentId: string): Promise<MemberDto[]> {
  await requireRole(actorId, experimentId, "manage");
  const rows = await db().member.findMany({
    where: { experimentId },
    select: { role: true, user: { select: USER_SELECT } },
    orderBy: { createdAt: "asc" },
  });
  return rows.flatMap((r) => (isRole(r.role) ? [{ user: userDto(r.user), role: r.role }] : []));
}

/** A new share link; the token is returned once and only its hash is stored. */
export async function createShareLink(
  actorId: string,
  experimentId: string,
  role: Role,
): Promise<ShareLinkDto & { token: string }> {
  await requireRole(actorId, experimentId, "manage");
  const granted = grantable(role);
  const token = randomBytes(32).toString("base64url");
  const row = await db().shareLink.create({
    data: { experimentId, role: granted, tokenHash: hashLinkToken(token) },
    select: { id: true, createdAt: true },
  });
  return { id: row.id, role: granted, createdAt: row.createdAt, revoked: false, token };
}

export async function listShareLinks(
  actorId: string,
  experimentId: string,
): Promise<ShareLinkDto[]> {
  await requireRole(actorId, experimentId, "manage");
  const rows = await db().shareLink.findMany({
    where: { experimentId },
    select: { id: true, role: true, createdAt: true, revokedAt: true },
    orderBy: { createdAt: "asc" },
  });
  return rows.flatMap((r) =>
    isRole(r.role)
      ? [{ id: r.id, role: r.role, createdAt: r.createdAt, revoked: r.revokedAt !== null }]
      : [],
  );
}

export async function revokeShareLink(actorId: string, linkId: string): Promise<boolean> {
  const link = await db().shareLink.findUnique({
    where: { id: String(linkId) },
    select: { experimentId: true },
  });
  if (!link) throw new AccountError("not_found", "No such share link");
  await requireRole(actorId, link.experimentId, "manage");
  const { count } = await db().shareLink.updateMany({
    where: { id: linkId, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  return count > 0;
}

/** Joins the experiment behind a share link; returns the user's role there afterwards. */
export async function redeemShareLink(
  token: string,
  userId: string,
): Promise<{ experimentId: string; role: Role }> {
  const invalid = new AccountError("invalid_link", "This share link is not valid (any more)");
  if (typeof token !== "string" || !LINK_TOKEN.test(token)) throw invalid;
  return db().$transaction(async (tx) => {
    const link = await tx.shareLink.findUnique({
      where: { tokenHash: hashLinkToken(token) },
      select: {
        experimentId: true,
        role: true,
        revokedAt: true,
        experiment: { select: { ownerId: true } },
      },
    });
    if (
      !link ||
      link.revokedAt !== null ||
      !isRole(link.role) ||
      !GRANTABLE_ROLES.includes(link.role)
    )
      throw invalid;
    const { experimentId } = link;
    if (link.experiment.ownerId === userId) return { experimentId, role: "owner" as const };
    const key = { experimentId_userId: { experimentId, userId } };
    const before = await tx.member.findUnique({ where: key, select: { role: true } });
    const current = isRole(before?.role) ? before.role : null;
    if (rank(current) >= rank(link.role)) return { experimentId, role: current ?? link.role };
    await tx.member.upsert({
      where: key,
      create: { experimentId, userId, role: link.role },
      update: { role: link.role },
    });
    return { experimentId, role: link.role };
  });
}

/** Changes visibility; making an experiment private announces it, since non-members lose access. */
export async function setVisibility(
  actorId: string,
  experimentId: string,
  visibility: Visibility,
): Promise<void> {
  await requireRole(actorId, experimentId, "manage");
  if (!isVisibility(visibility))
    throw new AccountError("invalid_visibility", "Visibility must be public, unlisted or private");
  const before = await db().$transaction(async (tx) => {
    const row = await tx.experiment.findUniqueOrThrow({
      where: { id: experimentId },
      select: { visibility: true },
    });
    await tx.experiment.update({ where: { id: experimentId }, data: { visibility } });
    return row;
  });
  if (visibility === "private" && before.visibility !== "private")
    emitAccessRevoked({ kind: "visibility", experimentId, visibility });
}
