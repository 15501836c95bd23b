/** Calls the studio's /api/ routes from client components: JSON in, JSON (or nothing) out, errors as text. */
export type ApiResult<T> = { ok: true; data: T } | { ok: false; status: number; message: string };

export async function api<T = unknown>(
  path: string,
  { method = "POST", body }: { method?: "GET" | "POST" | "PUT" | "DELETE"; body?: unknown } = {},
): Promise<ApiResult<T>> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch {
    return { ok: false, status: 0, message: "The studio server cannot be reached" };
  }
  const json = res.status === 204 ? null : ((await res.json().catch(() => null)) as unknown);
  if (res.ok) return { ok: true, data: json as T };
  const message = (json as { error?: { message?: string } } | null)?.error?.message;
  return { ok: false, status: res.status, message: message ?? `Request failed (${res.status})` };
}

/** A same-site path to go to after signing in; anything else (other sites, `//host`) becomes `/`. */
export function safeNext(value: unknown): string {
  const text = Array.isArray(value) ? value[0] : value;
  return typeof text === "string" && /^\/(?![/\\])[\x21-\x7e]*$/.test(text) ? text : "/";
}
