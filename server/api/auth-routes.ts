/**
 * Sign up, sign in, sign out, who am I. Attempts are rate-limited per client address and per
 * username (password guessing); the accounts layer gives every failed sign-in the same answer
 * after the same work. Cookies: httpOnly, SameSite=Lax, Secure with the `__Host-` name behind TLS.
 */
import {
  clearSessionCookie,
  sessionCookie,
  sessionToken,
  signIn,
  signOut,
  signUp,
  normalizeUsername,
} from "../accounts";
import { isSignedIn } from "../auth/identity";
import { keyedRateLimiter, type KeyedRateLimiter } from "../limits";
import { noContent, ok, problem, readJson, type Reply } from "./http";
import type { Context, Route } from "./router";

export interface AuthLimits {
  /** Sign-in attempts per client address and per username. */
  signIn: { perSecond: number; burst: number };
  /** New accounts per client address. */
  signUp: { perSecond: number; burst: number };
}

export const DEFAULT_AUTH_LIMITS: AuthLimits = {
  signIn: { perSecond: 1 / 6, burst: 10 },
  signUp: { perSecond: 1 / 60, burst: 5 },
};

const text = (value: unknown, max: number) =>
  typeof value === "string" && value.length <= max ? value : "";

function limited(limiter: KeyedRateLimiter, ...keys: string[]): Reply | null {
  for (const key of keys) {
    if (!limiter.take(key)) {
      const seconds = Math.ceil(limiter.retryAfterMs(key) / 1000);
      return problem(429, "rate_limited", `Too many attempts; try again in ${seconds} s`, {
        "retry-after": String(seconds),
      });
    }
  }
  return null;
}

const me = ({ me }: Context) =>
  isSignedIn(me) ? { id: me.id, name: me.name, color: me.color } : null;

export function authRoutes(limits: AuthLimits = DEFAULT_AUTH_LIMITS): Route[] {
  const signIns = keyedRateLimiter({ ...limits.signIn, maxKeys: 50_000 });
  const signUps = keyedRateLimiter({ ...limits.signUp, maxKeys: 50_000 });
  return [
    {
      method: "POST",
      path: /^\/api\/auth\/signup$/,
      async handle(ctx) {
        const body = await readJson(ctx.req);
        const refused = limited(signUps, `ip:${ctx.peer}`);
        if (refused) return refused;
        const { user, token } = await signUp({
          username: text(body.username, 200),
          password: text(body.password, 2000),
          displayName: text(body.displayName, 200) || undefined,
        });
        return {
          status: 201,
          json: { user },
          headers: { "set-cookie": sessionCookie(token, { secure: ctx.secure }) },
        };
      },
    },
    {
      method: "POST",
      path: /^\/api\/auth\/signin$/,
      async handle(ctx) {
        const body = await readJson(ctx.req);
        const username = text(body.username, 200);
        const refused = limited(signIns, `ip:${ctx.peer}`, `user:${normalizeUsername(username)}`);
        if (refused) return refused;
        const { user, token } = await signIn({ username, password: text(body.password, 2000) });
        return {
          status: 200,
          json: { user },
          headers: { "set-cookie": sessionCookie(token, { secure: ctx.secure }) },
        };
      },
    },
    {
      method: "POST",
      path: /^\/api\/auth\/signout$/,
      async handle(ctx) {
        await signOut(sessionToken(ctx.req.headers.cookie));
        return {
          ...noContent(),
          headers: { "set-cookie": clearSessionCookie({ secure: ctx.secure }) },
        };
      },
    },
    {
      method: "GET",
      path: /^\/api\/auth\/me$/,
      handle: async (ctx) => ok({ user: me(ctx) }),
    },
  ];
}
