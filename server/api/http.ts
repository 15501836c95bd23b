/**
 * The little HTTP vocabulary of the studio's JSON routes: replies with security headers, bodies
 * read with a byte cap (never buffered past it), and a closed mapping from account errors to
 * status codes. Route handlers return a `Reply`; the router writes it.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AccountErrorCode } from "../accounts";
import { securityHeaders } from "../net";

export interface Reply {
  status: number;
  json?: unknown;
  body?: Buffer | string;
  headers?: Record<string, string | string[]>;
}

export const ok = (json: unknown, status = 200): Reply => ({ status, json });
export const noContent = (): Reply => ({ status: 204 });
export const problem = (
  status: number,
  code: string,
  message: string,
  headers?: Reply["headers"],
): Reply => ({
  status,
  json: { error: { code, message } },
  headers,
});

/** Account and sharing refusals as HTTP; hidden and missing look the same (404). */
export const STATUS_OF: Readonly<Record<AccountErrorCode, number>> = {
  invalid_username: 400,
  invalid_password: 400,
  invalid_role: 400,
  invalid_visibility: 400,
  invalid_link: 400,
  username_taken: 409,
  bad_credentials: 401,
  forbidden: 403,
  not_found: 404,
};

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Reads the whole body, refusing (413) as soon as it passes `maxBytes`, declared or streamed. */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > maxBytes)
    throw new HttpError(413, "too_large", `Body larger than ${maxBytes} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      req.destroy();
      throw new HttpError(413, "too_large", `Body larger than ${maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** A JSON object body (`application/json` only: a cross-site form cannot send one). */
export async function readJson(
  req: IncomingMessage,
  maxBytes = 8 * 1024,
): Promise<Record<string, unknown>> {
  if (!/^application\/json(;|$)/i.test(req.headers["content-type"] ?? ""))
    throw new HttpError(415, "unsupported_media_type", "Send application/json");
  const text = (await readBody(req, maxBytes)).toString("utf8");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError(400, "bad_request", "The body is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new HttpError(400, "bad_request", "The body must be a JSON object");
  return value as Record<string, unknown>;
}

export function send(res: ServerResponse, reply: Reply, secure: boolean, head = false): void {
  if (res.headersSent) return;
  const headers: Record<string, string | string[]> = { "cache-control": "no-store" };
  for (const [name, value] of securityHeaders({ secure })) headers[name.toLowerCase()] = value;
  // Nothing an API answer contains should ever run or render as a page.
  headers["content-security-policy"] = "default-src 'none'; frame-ancestors 'none'";
  Object.assign(headers, reply.headers);
  let body: Buffer | string | undefined = reply.body;
  if (reply.json !== undefined) {
    body = JSON.stringify(reply.json);
    headers["content-type"] = "application/json; charset=utf-8";
  }
  if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
  res.writeHead(reply.status, headers);
  res.end(head ? undefined : body);
}
