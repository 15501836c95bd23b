/**
 * Who may download models from the studio (a server setting) and who administers them.
 * `CLIPIG_MODEL_DOWNLOADS`: `signed-in` (anyone with an account), `admins` (default) or `nobody`
 * (the CLI only). `CLIPIG_ADMINS`: comma-separated usernames; unset, the server's first account
 * (the person who set it up) is its admin. Admins may also pull any hub repository id and remove
 * models; with `nobody`, nobody downloads from the web, admins included.
 */
import { isSignedIn, type Identity } from "../auth/identity";
import { db } from "../db/client";

export type DownloadRule = "signed-in" | "admins" | "nobody";

export interface ModelPolicy {
  downloads: DownloadRule;
  /** Admin usernames; null: the first account. */
  admins: readonly string[] | null;
}

const RULES: readonly DownloadRule[] = ["signed-in", "admins", "nobody"];

export function modelPolicyFromEnv(
  env: Record<string, string | undefined> = process.env,
): ModelPolicy {
  const rule = (env.CLIPIG_MODEL_DOWNLOADS ?? "admins").trim();
  if (!(RULES as readonly string[]).includes(rule))
    throw new Error(`CLIPIG_MODEL_DOWNLOADS must be one of ${RULES.join(", ")}, got '${rule}'`);
  const admins = env.CLIPIG_ADMINS?.split(",")
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  return { downloads: rule as DownloadRule, admins: admins?.length ? admins : null };
}

export type Permission = { ok: true } | { ok: false; reason: string };

/** Whether the caller administers this server's models. */
export async function isAdmin(identity: Identity | null, policy: ModelPolicy): Promise<boolean> {
  if (!isSignedIn(identity)) return false;
  if (policy.admins) {
    const user = await db().user.findUnique({
      where: { id: identity.id },
      select: { username: true },
    });
    return !!user && policy.admins.includes(user.username.toLowerCase());
  }
  const first = await db().user.findFirst({
    where: { NOT: { username: { startsWith: "g_" } } }, // accounts, not guests' rows
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    select: { id: true },
  });
  return first?.id === identity.id;
}

/** May the caller start a model download from the studio? The reason says who may, if not. */
export async function mayDownload(
  identity: Identity | null,
  policy: ModelPolicy,
): Promise<Permission> {
  switch (policy.downloads) {
    case "nobody":
      return {
        ok: false,
        reason:
          "this server does not download models from the web (CLIPIG_MODEL_DOWNLOADS=nobody); its operator can run `npx clipig models pull`",
      };
    case "signed-in":
      return isSignedIn(identity) ? { ok: true } : { ok: false, reason: "sign in to download" };
    case "admins":
      return (await isAdmin(identity, policy))
        ? { ok: true }
        : { ok: false, reason: "only this server's admins may download models" };
  }
}

/** Remove models, pull any hub repository id (where downloads are allowed at all): admins. */
export async function mayAdminister(
  identity: Identity | null,
  policy: ModelPolicy,
): Promise<Permission> {
  return (await isAdmin(identity, policy))
    ? { ok: true }
    : { ok: false, reason: "only this server's admins may do that" };
}
