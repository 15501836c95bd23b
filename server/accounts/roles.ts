/**
 * Who may do what with an experiment: ONE permission table, and `roleOf`, which turns a user (or
 * an anonymous visitor) and an experiment into a role. Every channel asks these two and nothing
 * else: pages, route handlers, each Socket.IO event, the Yjs upgrade.
 *
 * The role is the owner's, else the member row's, else what the visibility grants: public and
 * unlisted experiments make anyone a viewer (unlisted ones are simply not listed), private ones
 * admit members only — to anyone else they do not exist (null, same as a missing id).
 */
import { db } from "../db/client";
import { ROLES, type Role } from "../domain";

// The roles themselves are the shared vocabulary's; this module says what each may do.
export { ROLES, type Role };

export const VISIBILITIES = ["public", "unlisted", "private"] as const;
export type Visibility = (typeof VISIBILITIES)[number];

export const ACTIONS = ["view", "fork", "run", "edit", "manage"] as const;
export type Action = (typeof ACTIONS)[number];

/** The permission table. `fork` also needs a signed-in user (the fork gets an owner). */
const PERMISSIONS: Readonly<Record<Action, readonly Role[]>> = {
  view: ["owner", "editor", "runner", "viewer"],
  fork: ["owner", "editor", "runner", "viewer"],
  run: ["owner", "editor", "runner"],
  edit: ["owner", "editor"],
  manage: ["owner"],
};

export function can(role: Role | null, action: Action): boolean {
  return role !== null && PERMISSIONS[action].includes(role);
}

/** Roles an owner may hand out by invite or share link (ownership is `Experiment.ownerId`). */
export const GRANTABLE_ROLES: readonly Role[] = ["editor", "runner", "viewer"];

export const isRole = (value: unknown): value is Role =>
  (ROLES as readonly unknown[]).includes(value);
export const isVisibility = (value: unknown): value is Visibility =>
  (VISIBILITIES as readonly unknown[]).includes(value);

/** Higher = more rights; the order the table above implies. */
export const rank = (role: Role | null): number =>
  role === null ? 0 : ROLES.length - ROLES.indexOf(role);

/** The rule over rows already loaded (lists, forks); `roleOf` loads them for one experiment. */
export function roleFromFacts(
  facts: { ownerId: string | null; visibility: string },
  userId: string | null,
  memberRole: string | null,
): Role | null {
  if (userId !== null && facts.ownerId === userId) return "owner";
  if (userId !== null && isRole(memberRole)) return memberRole;
  return facts.visibility === "public" || facts.visibility === "unlisted" ? "viewer" : null;
}

/** The caller's role on an experiment; null when it is missing or hidden from them. */
export async function roleOf(userId: string | null, experimentId: string): Promise<Role | null> {
  if (typeof experimentId !== "string" || experimentId.length === 0 || experimentId.length > 64)
    return null;
  const experiment = await db().experiment.findUnique({
    where: { id: experimentId },
    select: {
      ownerId: true,
      visibility: true,
      members: userId === null ? false : { where: { userId }, select: { role: true } },
    },
  });
  if (!experiment) return null;
  return roleFromFacts(experiment, userId, experiment.members?.[0]?.role ?? null);
}
