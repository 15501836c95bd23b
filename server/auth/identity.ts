/**
 * Who is asking: ONE resolver for every channel — pages and route handlers, the Socket.IO
 * handshake, the Yjs upgrade. A valid session cookie makes the caller a signed-in user; otherwise
 * a guest cookie gives a presence name only (guests have exactly the rights of an anonymous
 * visitor: they may view public and unlisted experiments, nothing more); otherwise nobody.
 */
import { resolveSession, sessionToken } from "../accounts";
import { guestOf, type Identity } from "./guest";

export { GUEST_COOKIE, decodeGuest, encodeGuest, newGuest, type Identity } from "./guest";

export interface Caller {
  identity: Identity | null;
  /** The session slid to a new expiry: send this token's cookie again (HTTP responses only). */
  refreshToken: string | null;
}

export async function resolveCaller(cookieHeader: string | undefined): Promise<Caller> {
  const resolved = await resolveSession(cookieHeader);
  if (!resolved) return { identity: guestOf(cookieHeader), refreshToken: null };
  const { user, session } = resolved;
  return {
    identity: {
      id: user.id,
      name: user.displayName,
      color: user.color,
      kind: "user",
      sessionId: session.id,
    },
    refreshToken: session.refreshed ? sessionToken(cookieHeader) : null,
  };
}

/** The caller behind a Cookie header: a signed-in user, a guest, or null. */
export async function identify(cookieHeader: string | undefined): Promise<Identity | null> {
  return (await resolveCaller(cookieHeader)).identity;
}

/** The user id rights are looked up for: signed-in users only (guest cookies are unsigned). */
export const rightsId = (identity: Identity | null | undefined): string | null =>
  identity?.kind === "user" ? identity.id : null;

export const isSignedIn = (identity: Identity | null | undefined): identity is Identity =>
  identity?.kind === "user";
