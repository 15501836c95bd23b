/** Accounts, sessions, roles and sharing: the public API (see CONTEXT.md). */
export { signUp, signIn, signOut, changePassword, findUser, type SignedIn } from "./accounts";
export {
  resolveSession,
  resolveToken,
  sessionToken,
  sessionCookie,
  clearSessionCookie,
  createSession,
  revokeSession,
  revokeSessionToken,
  revokeAllSessions,
  pruneSessions,
  sessionPolicy,
  SESSION_COOKIE,
  SECURE_SESSION_COOKIE,
  type ResolvedSession,
  type SessionPolicy,
  type CookieOptions,
} from "./sessions";
export {
  roleOf,
  roleFromFacts,
  can,
  isRole,
  isVisibility,
  rank,
  ROLES,
  ACTIONS,
  VISIBILITIES,
  GRANTABLE_ROLES,
  type Role,
  type Action,
  type Visibility,
} from "./roles";
export {
  requireRole,
  addMember,
  revokeMember,
  listMembers,
  createShareLink,
  listShareLinks,
  revokeShareLink,
  redeemShareLink,
  setVisibility,
  type MemberDto,
  type ShareLinkDto,
} from "./sharing";
export { onAccessRevoked, type AccessRevoked, type AccessListener } from "./events";
export { AccountError, isAccountError, type AccountErrorCode } from "./errors";
export { normalizeUsername, usernameProblem, passwordProblem } from "./rules";
export type { UserDto } from "./users";
