/**
 * Sign up, sign in, sign out, who am I. Sign-in attempts are rate-limited per client address (a
 * spray over many usernames) and per (address, username) (guessing one password) — never per
 * username alone, so a stranger elsewhere cannot lock someone out; the accounts layer gives every
 * failed sign-in the same answer after the same work. Cookies: httpOnly, SameSite=Lax, Secure
 * with the `__Host-` name behind TLS.
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

type Rate = { perSecond: number; burst: number };

export interface AuthLimits {
  /** Sign-in attempts per client address, whatever the username. */
  signInPerAddress: Rate;
  /** Sign-in attempts per client address and username. */
  signInPerAccount: Rate;
  /** New accounts per client address. */
  signUp: Rate;
}

/**
 * `CLIPIG_SIGNIN_ATTEMPTS_PER_MINUTE` (per address and username, default 10),
 * `CLIPIG_SIGNIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE` (per address over all usernames, default 60: a
 * classroom behind one NAT signing in at once, typos included) and `CLIPIG_SIGNUPS_PER_HOUR` (new
 * accounts per address, default 30, a sixth of it at once). Each allows a minute's (or the sign-up
 * sixth's) worth at once, then refills evenly. The address is the socket peer, or with
 * `CLIPIG_TRUST_PROXY=1` the proxy's X-Forwarded-For entry (`server/auth/request.ts` `peerOf`).
 */
export function authLimitsFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): AuthLimits {
  const read = (name: string, fallback: number) => {
    const raw = env[name];
    const value = raw === undefined || raw.trim() === "" ? fallback : Number(raw);
    if (!(Number.isFinite(value) && value > 0))
      throw new Error(`${name} must be a positive number, got '${raw}'`);
    return value;
  };
  const perMinute = (n: number): Rate => ({ perSecond: n / 60, burst: Math.max(1, Math.ceil(n)) });
  const signups = read("CLIPIG_SIGNUPS_PER_HOUR", 30);
  return {
    signUp: { perSecond: signups / 3600, burst: Math.max(1, Math.ceil(signups / 6)) },
    signInPerAccount: perMinute(read("CLIPIG_SIGNIN_ATTEMPTS_PER_MINUTE", 10)),
    signInPerAddress: perMinute(read("CLIPIG_SIGNIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE", 60)),
  };
}

export const DEFAULT_AUTH_LIMITS: AuthLimits = authLimitsFromEnv({});

const text = (value: unknown, max: number) =>
  typeof value === "string" && value.length <= max ? value : "";

function limited(...checks: [KeyedRateLimiter, string][]): Reply | null {
  for (const [limiter, key] of checks) {
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

export function authRoutes(limits: AuthLimits = authLimitsFromEnv()): Route[] {
  const signInsByAddress = keyedRateLimiter({ ...limits.signInPerAddress, maxKeys: 50_000 });
  const signInsByAccount = keyedRateLimiter({ ...limits.signInPerAccount, maxKeys: 50_000 });
  const signUps = keyedRateLimiter({ ...limits.signUp, maxKeys: 50_000 });
  return [
    {
      method: "POST",
      path: /^\/api\/auth\/signup$/,
      async handle(ctx) {
        const body = await readJson(ctx.req);
        const refused = limited([signUps, ctx.peer]);
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
        // No bucket per username alone: that one would lock its owner out from everywhere.
        const refused = limited(
          [signInsByAddress, ctx.peer],
          [signInsByAccount, `${ctx.peer} ${normalizeUsername(username)}`],
        );
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
