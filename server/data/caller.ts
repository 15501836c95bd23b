/**
 * The caller behind the current page request or server action, resolved by the one resolver all
 * channels use (`server/auth/identity.ts`): a signed-in user, a guest (presence name only), or null.
 */
import { headers } from "next/headers";
import { identify, isSignedIn, type Identity } from "../auth/identity";

export async function caller(): Promise<Identity | null> {
  return identify((await headers()).get("cookie") ?? undefined);
}

/** The signed-in user, or null for guests and anonymous visitors (who may not write). */
export async function signedInCaller(): Promise<Identity | null> {
  const me = await caller();
  return isSignedIn(me) ? me : null;
}
