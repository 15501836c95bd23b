/**
 * The studio's own HTTP routes under `/api/` (the custom server answers them before Next):
 * accounts, sharing, uploads and file downloads. Every route declares its method; every request
 * that changes something must come from a page on our own origin, with a JSON or image body under
 * a byte cap; the caller is resolved by the one resolver (`resolveCaller`), and a session that slid
 * to a new expiry gets its cookie again. Each handler checks rights itself, in the data layer.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { isAccountError, sessionCookie, SESSION_COOKIE, SECURE_SESSION_COOKIE } from "../accounts";
import { isSignedIn, resolveCaller, type Identity } from "../auth/identity";
import {
  isSecure,
  peerOf,
  requestPolicyFromEnv,
  sameOrigin,
  type RequestPolicy,
} from "../auth/request";
import { HttpError, problem, send, STATUS_OF, type Reply } from "./http";

export type Method = "GET" | "POST" | "PUT" | "DELETE";

export interface Context {
  req: IncomingMessage;
  params: Record<string, string>;
  query: URLSearchParams;
  me: Identity | null;
  secure: boolean;
  /** Client address (rate-limit key). */
  peer: string;
}

export interface Route {
  method: Method;
  /** Matched against the whole path; named groups become `params`. */
  path: RegExp;
  handle(ctx: Context): Promise<Reply>;
}

/** The signed-in caller; guests and anonymous visitors get 401. */
export function signedIn({ me }: Pick<Context, "me">): Identity {
  if (!isSignedIn(me)) throw new HttpError(401, "unauthorized", "Sign in first");
  return me;
}

export interface RouterOptions {
  routes: readonly Route[];
  policy?: RequestPolicy;
}

const hasSession = (cookie: string | undefined) =>
  !!cookie &&
  (cookie.includes(`${SESSION_COOKIE}=`) || cookie.includes(`${SECURE_SESSION_COOKIE}=`));

/** Returns a handler that answers `/api/*` (false for anything else; page requests get their session refreshed). */
export function apiRouter(options: RouterOptions) {
  const policy = options.policy ?? requestPolicyFromEnv();
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? "/", "http://studio.invalid");
    const secure = isSecure(req, policy);
    if (!url.pathname.startsWith("/api/")) {
      if (
        hasSession(req.headers.cookie) &&
        req.method === "GET" &&
        !url.pathname.startsWith("/_next/")
      ) {
        const { refreshToken } = await resolveCaller(req.headers.cookie);
        if (refreshToken) res.appendHeader("set-cookie", sessionCookie(refreshToken, { secure }));
      }
      return false;
    }
    const method = req.method === "HEAD" ? "GET" : req.method;
    let reply: Reply;
    try {
      reply = await dispatch(options.routes, method, url, req, secure, policy);
    } catch (error) {
      reply = failure(error);
    }
    send(res, reply, secure, req.method === "HEAD");
    return true;
  };
}

async function dispatch(
  routes: readonly Route[],
  method: string | undefined,
  url: URL,
  req: IncomingMessage,
  secure: boolean,
  policy: RequestPolicy,
): Promise<Reply> {
  let match: { route: Route; params: Record<string, string> } | null = null;
  let pathKnown = false;
  for (const route of routes) {
    const m = route.path.exec(url.pathname);
    if (!m) continue;
    pathKnown = true;
    if (route.method === method) {
      match = { route, params: { ...m.groups } };
      break;
    }
  }
  if (!match)
    return pathKnown
      ? problem(405, "method_not_allowed", "Method not allowed")
      : problem(404, "not_found", "Not found");
  if (method !== "GET" && !sameOrigin(req, policy))
    return problem(
      403,
      "cross_origin",
      "Requests that change something must come from this site's pages",
    );
  const { identity, refreshToken } = await resolveCaller(req.headers.cookie);
  const reply = await match.route.handle({
    req,
    params: match.params,
    query: url.searchParams,
    me: identity,
    secure,
    peer: peerOf(req, policy),
  });
  // A sign-in or sign-out sets its own cookie; otherwise a session that slid gets its new Max-Age.
  if (refreshToken && !reply.headers?.["set-cookie"])
    reply.headers = { ...reply.headers, "set-cookie": sessionCookie(refreshToken, { secure }) };
  return reply;
}

function failure(error: unknown): Reply {
  if (error instanceof HttpError) return problem(error.status, error.code, error.message);
  if (isAccountError(error)) return problem(STATUS_OF[error.code], error.code, error.message);
  console.error("api: a route failed:", error);
  return problem(500, "internal", "Internal error");
}
