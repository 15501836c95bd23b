/**
 * Gives every visitor a guest identity (cookie `clipig_guest`) before pages render. The cookie is
 * also written into this request's headers, so the very first page view already knows its guest.
 */
import { NextResponse, type NextRequest } from "next/server";
import { decodeGuest, encodeGuest, GUEST_COOKIE, newGuest } from "./server/auth/identity";

export function proxy(request: NextRequest) {
  if (decodeGuest(request.cookies.get(GUEST_COOKIE)?.value)) return NextResponse.next();
  const value = encodeGuest(newGuest());
  request.cookies.set(GUEST_COOKIE, value);
  const response = NextResponse.next({ request: { headers: request.headers } });
  response.cookies.set(GUEST_COOKIE, value, {
    path: "/",
    httpOnly: true, // the guest id is who you are here: keep it away from scripts
    sameSite: "lax",
    maxAge: 60 * 60 * 24 * 365,
  });
  return response;
}

export const config = {
  matcher: ["/((?!_next/static|_next/image|favicon.ico|.*\\.(?:png|svg|ico|webp)$).*)"],
};
