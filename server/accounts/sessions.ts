/**
 * Sessions: a random 32-byte token in an httpOnly cookie; the database keeps only its SHA-256, so
 * a leaked database holds no usable session. Sessions slide: a used session is pushed out to a
 * full lifetime again (written at most every `refreshEvery`, not on every request). Revocation
 * sets `revokedAt` and tells the live layers (`onAccessRevoked`).
 */
import { createHash, randomBytes } from "node:crypto";
import { db } from "../db/client";
import { readCookies } from "./cookies";
import { emitAccessRevoked } from "./events";
import { userDto, USER_SELECT, type UserDto } from "./users";

export const SESSION_COOKIE = "clipig_session";
/** The name used behind TLS: browsers only accept `__Host-` cookies that are Secure, Path=/ and host-only. */
export const SECURE_SESSION_COOKIE = "__Host-clipig_session";

const DAY_MS = 24 * 60 * 60 * 1000;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export interface SessionPolicy {
  /** Lifetime after the last refresh, ms. */
  ttlMs: number;
  /** A session older than this since its last refresh is extended when used, ms. */
  refreshEveryMs: number;
}

/** `CLIPIG_SESSION_DAYS` (default 30); refreshed at most once a day (or every tenth of the lifetime). */
export function sessionPolicy(
  env: Readonly<Record<string, string | undefined>> = process.env,
): SessionPolicy {
  const days = Number(env.CLIPIG_SESSION_DAYS ?? 30);
  if (!(days > 0 && days <= 3650))
    throw new Error(
      `CLIPIG_SESSION_DAYS must be a number of days, got '${env.CLIPIG_SESSION_DAYS}'`,
    );
  const ttlMs = days * DAY_MS;
  return { ttlMs, refreshEveryMs: Math.min(DAY_MS, ttlMs / 10) };
}

export const hashToken = (token: string): string =>
  createHash("sha256").update(token).digest("hex");

export interface NewSession {
  /** Goes into the cookie and nowhere else; never stored. */
  token: string;
  sessionId: string;
  expiresAt: Date;
}

type SessionTx = Pick<ReturnType<typeof db>, "session">;

/** Starts a session for a user (inside the caller's transaction when one is given). */
export async function createSession(
  userId: string,
  policy = sessionPolicy(),
  tx: SessionTx = db(),
): Promise<NewSession> {
  const token = randomBytes(32).toString("base64url");
  const expiresAt = new Date(Date.now() + policy.ttlMs);
  const row = await tx.session.create({
    data: { tokenHash: hashToken(token), userId, expiresAt },
    select: { id: true },
  });
  return { token, sessionId: row.id, expiresAt };
}

export interface ResolvedSession {
  user: UserDto;
  session: {
    id: string;
    expiresAt: Date;
    /** The expiry moved: send `sessionCookie(token)` again so the cookie's Max-Age follows. */
    refreshed: boolean;
  };
}

/** The session token in a Cookie header (the `__Host-` name wins), or null. */
export function sessionToken(cookieHeader: string | undefined): string | null {
  const cookies = readCookies(cookieHeader);
  const token = cookies.get(SECURE_SESSION_COOKIE) ?? cookies.get(SESSION_COOKIE);
  return token !== undefined && TOKEN.test(token) ? token : null;
}

/** The signed-in user behind a Cookie header; null for none, unknown, expired or revoked sessions. */
export async function resolveSession(
  cookieHeader: string | undefined,
  policy = sessionPolicy(),
): Promise<ResolvedSession | null> {
  const token = sessionToken(cookieHeader);
  return token === null ? null : resolveToken(token, policy);
}

export async function resolveToken(
  token: string,
  policy = sessionPolicy(),
): Promise<ResolvedSession | null> {
  if (!TOKEN.test(token)) return null;
  const row = await db().session.findUnique({
    where: { tokenHash: hashToken(token) },
    select: { id: true, expiresAt: true, revokedAt: true, user: { select: USER_SELECT } },
  });
  const now = Date.now();
  if (!row || row.revokedAt !== null || row.expiresAt.getTime() <= now) return null;
  let expiresAt = row.expiresAt;
  const refreshed = policy.ttlMs - (expiresAt.getTime() - now) >= policy.refreshEveryMs;
  if (refreshed) {
    expiresAt = new Date(now + policy.ttlMs);
    // Only a live session slides: a concurrent revocation wins.
    const { count } = await db().session.updateMany({
      where: { id: row.id, revokedAt: null },
      data: { expiresAt },
    });
    if (count === 0) return null;
  }
  return { user: userDto(row.user), session: { id: row.id, expiresAt, refreshed } };
}

/** Ends the session behind this token (sign-out). Returns whether there was a live one. */
export async function revokeSessionToken(token: string): Promise<boolean> {
  if (!TOKEN.test(token)) return false;
  const row = await db().session.findUnique({
    where: { tokenHash: hashToken(token) },
    select: { id: true, userId: true },
  });
  if (!row) return false;
  return (await revokeWhere(row.userId, [row.id])) > 0;
}

/** Ends one of a user's sessions by id (a "signed-in devices" list). */
export async function revokeSession(userId: string, sessionId: string): Promise<boolean> {
  return (await revokeWhere(userId, [sessionId])) > 0;
}

/** Ends every session of a user ("sign out everywhere", password change); returns how many. */
export async function revokeAllSessions(userId: string, exceptSessionId?: string): Promise<number> {
  const live = await db().session.findMany({
    where: {
      userId,
      revokedAt: null,
      ...(exceptSessionId ? { id: { not: exceptSessionId } } : {}),
    },
    select: { id: true },
  });
  return revokeWhere(
    userId,
    live.map((s) => s.id),
  );
}

async function revokeWhere(userId: string, ids: string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const { count } = await db().session.updateMany({
    where: { userId, id: { in: ids }, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  if (count > 0) emitAccessRevoked({ kind: "sessions", userId, sessionIds: ids });
  return count;
}

/** Drops sessions that expired or were revoked more than a day ago; returns how many. */
export async function pruneSessions(now = new Date()): Promise<number> {
  const before = new Date(now.getTime() - DAY_MS);
  const { count } = await db().session.deleteMany({
    where: { OR: [{ expiresAt: { lt: now } }, { revokedAt: { lt: before } }] },
  });
  return count;
}

export interface CookieOptions {
  /** Behind TLS: adds Secure and uses the `__Host-` name. */
  secure: boolean;
  maxAgeSeconds?: number;
}

/** `Set-Cookie` value for a new or refreshed session. */
export function sessionCookie(
  token: string,
  { secure, maxAgeSeconds = sessionPolicy().ttlMs / 1000 }: CookieOptions,
): string {
  if (!TOKEN.test(token)) throw new Error("not a session token");
  const name = secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
  const parts = [
    `${name}=${token}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Lax",
    `Max-Age=${Math.floor(maxAgeSeconds)}`,
  ];
  if (secure) parts.push("Secure");
  return parts.join("; ");
}

/** `Set-Cookie` value that deletes the session cookie (sign-out). */
export function clearSessionCookie({ secure }: Pick<CookieOptions, "secure">): string {
  const name = secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
  return [
    `${name}=`,
    "Path=/",
    "HttpOnly",
    "SameSite=Lax",
    "Max-Age=0",
    ...(secure ? ["Secure"] : []),
  ].join("; ");
}
