/**
 * Sign up, sign in, sign out, change password. Failures of sign-in look alike on purpose: an
 * unknown username, a guest row without a password and a wrong password all verify one Argon2id
 * hash (a dummy one when there is no user) and answer the same `bad_credentials`. Rate limiting
 * of attempts is the route's job (`server/limits` `keyedRateLimiter`).
 */
import { db } from "../db/client";
import { AccountError } from "./errors";
import { emitAccessRevoked } from "./events";
import { dummyHash, hashPassword, needsRehash, verifyPassword } from "./password";
import {
  cleanDisplayName,
  normalizeUsername,
  PASSWORD_MAX,
  passwordProblem,
  usernameProblem,
} from "./rules";
import {
  createSession,
  revokeSessionToken,
  sessionPolicy,
  type NewSession,
  type SessionPolicy,
} from "./sessions";
import { colorFor, userDto, USER_SELECT, type UserDto } from "./users";

export interface SignedIn extends NewSession {
  user: UserDto;
}

const BAD_CREDENTIALS = "Wrong username or password";

export async function signUp(
  input: { username: string; password: string; displayName?: string },
  policy: SessionPolicy = sessionPolicy(),
): Promise<SignedIn> {
  const username = normalizeUsername(String(input.username ?? ""));
  const nameProblem = usernameProblem(username);
  if (nameProblem) throw new AccountError("invalid_username", nameProblem);
  const password = String(input.password ?? "");
  const pwProblem = passwordProblem(password, username);
  if (pwProblem) throw new AccountError("invalid_password", pwProblem);
  const passwordHash = await hashPassword(password);
  try {
    return await db().$transaction(async (tx) => {
      const row = await tx.user.create({
        data: {
          username,
          passwordHash,
          displayName: cleanDisplayName(input.displayName, username),
          color: colorFor(username),
        },
        select: USER_SELECT,
      });
      return { user: userDto(row), ...(await createSession(row.id, policy, tx)) };
    });
  } catch (error) {
    if (isUniqueViolation(error))
      throw new AccountError("username_taken", "This username is taken");
    throw error;
  }
}

export async function signIn(
  input: { username: string; password: string },
  policy: SessionPolicy = sessionPolicy(),
): Promise<SignedIn> {
  const username = normalizeUsername(String(input.username ?? ""));
  const password = String(input.password ?? "");
  const plausible = usernameProblem(username) === null && password.length <= PASSWORD_MAX * 4;
  const row = plausible
    ? await db().user.findUnique({
        where: { username },
        select: { ...USER_SELECT, passwordHash: true },
      })
    : null;
  // Same work on every path: one verification against a real or a dummy hash.
  const stored = row?.passwordHash ?? (await dummyHash());
  const ok = (await verifyPassword(stored, plausible ? password : "")) && row?.passwordHash != null;
  if (!ok || !row) throw new AccountError("bad_credentials", BAD_CREDENTIALS);
  if (needsRehash(stored)) {
    await db().user.update({
      where: { id: row.id },
      data: { passwordHash: await hashPassword(password) },
    });
  }
  return { user: userDto(row), ...(await createSession(row.id, policy)) };
}

/** Ends the session behind the token; a missing or already ended session is fine. */
export async function signOut(token: string | null): Promise<void> {
  if (token) await revokeSessionToken(token);
}

/** Checks the current password, stores the new one and ends every other session of the user. */
export async function changePassword(
  userId: string,
  current: string,
  next: string,
  keepSessionId?: string,
): Promise<void> {
  const row = await db().user.findUnique({
    where: { id: userId },
    select: { username: true, passwordHash: true },
  });
  const stored = row?.passwordHash ?? (await dummyHash());
  if (!(await verifyPassword(stored, String(current))) || !row?.passwordHash) {
    throw new AccountError("bad_credentials", BAD_CREDENTIALS);
  }
  const problem = passwordProblem(String(next), row.username);
  if (problem) throw new AccountError("invalid_password", problem);
  const passwordHash = await hashPassword(String(next));
  const ended = await db().$transaction(async (tx) => {
    await tx.user.update({ where: { id: userId }, data: { passwordHash } });
    const live = await tx.session.findMany({
      where: { userId, revokedAt: null, ...(keepSessionId ? { id: { not: keepSessionId } } : {}) },
      select: { id: true },
    });
    await tx.session.updateMany({
      where: { id: { in: live.map((s) => s.id) } },
      data: { revokedAt: new Date() },
    });
    return live.map((s) => s.id);
  });
  if (ended.length > 0) emitAccessRevoked({ kind: "sessions", userId, sessionIds: ended });
}

/** Public profile by username (invites, mentions); null when unknown. */
export async function findUser(username: string): Promise<UserDto | null> {
  const normalized = normalizeUsername(String(username ?? ""));
  if (usernameProblem(normalized) !== null) return null;
  const row = await db().user.findUnique({ where: { username: normalized }, select: USER_SELECT });
  return row ? userDto(row) : null;
}

function isUniqueViolation(error: unknown): boolean {
  return (
    typeof error === "object" && error !== null && (error as { code?: unknown }).code === "P2002"
  );
}
