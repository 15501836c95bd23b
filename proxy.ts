/**
 * Runs before every page: (1) security headers, with a fresh CSP nonce per response (Next puts it
 * on its own scripts; no 'unsafe-eval' outside the dev server, no inline script without the nonce,
 * frame-ancestors 'none', nosniff); (2) a guest cookie for visitors who have none — a presence name
 * for carets and avatars only, it carries no rights (signed-in users come from the session cookie).
 * The cookie is also written into this request's headers, so the first page view already knows it.
 */
import { randomBytes } from "node:crypto";
import { NextResponse, type NextRequest } from "next/server";
import { decodeGuest, encodeGuest, GUEST_COOKIE, newGuest } from "./server/auth/guest";
import { contentSecurityPolicy, securityHeaders } from "./server/net/headers";

function isSecure(request: NextRequest): boolean {
  if (process.env.CLIPIG_SECURE_COOKIES === "1" || request.nextUrl.protocol === "https:")
    return true;
  return (
    process.env.CLIPIG_TRUST_PROXY === "1" &&
    request.headers.get("x-forwarded-proto")?.split(",")[0].trim() === "https"
  );
}

export function proxy(request: NextRequest) {
  const options = {
    secure: isSecure(request),
    dev: process.env.NODE_ENV !== "production",
    nonce: randomBytes(16).toString("base64"),
  };
  const headers = new Headers(request.headers);
  headers.set("content-security-policy", contentSecurityPolicy(options));
  headers.set("x-nonce", options.nonce);
  const guest = decodeGuest(request.cookies.get(GUEST_COOKIE)?.value)
    ? null
    : encodeGuest(newGuest());
  if (guest) {
    request.cookies.set(GUEST_COOKIE, guest);
    headers.set("cookie", request.cookies.toString());
  }
  const response = NextResponse.next({ request: { headers } });
  for (const [name, value] of securityHeaders(options)) response.headers.set(name, value);
  if (guest) {
    response.cookies.set(GUEST_COOKIE, guest, {
      path: "/",
      httpOnly: true,
      sameSite: "lax",
      secure: options.secure,
      maxAge: 60 * 60 * 24 * 365,
    });
  }
  return response;
}

export const config = {
  matcher: ["/((?!_next/static|_next/image|favicon.ico|.*\\.(?:png|svg|ico|webp)$).*)"],
};
