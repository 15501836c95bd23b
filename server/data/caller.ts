/**
 * The identity behind the current page request, action or route handler. proxy.ts issues the
 * guest cookie before any page renders, so a first visit already has one here.
 */
import { cookies } from "next/headers";
import { decodeGuest, GUEST_COOKIE, type Identity } from "../auth/identity";

export async function caller(): Promise<Identity | null> {
  return decodeGuest((await cookies()).get(GUEST_COOKIE)?.value);
}

/** For actions: writes need an identity; a request without one (cookies blocked) cannot write. */
export async function requireCaller(): Promise<Identity> {
  const me = await caller();
  if (!me) throw new Error("No identity: enable cookies for this site");
  return me;
}
