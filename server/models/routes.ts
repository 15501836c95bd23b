/**
 * The /models page's routes: `GET /api/models` (the store: installed and known models with sizes,
 * disk use, downloads in progress, what the caller may do), `POST /api/models/pull|cancel|remove`
 * with `{ name }`. Pulls follow the download rule (`policy.ts`); only admins pull an arbitrary hub
 * repository id or remove a model. Folders and the hub URL are shown to admins only.
 */
import { HttpError, ok, readJson } from "../api/http";
import type { Route } from "../api/router";
import {
  DEFAULT_MODEL,
  findModel,
  hubUrl,
  isRepoId,
  listModels,
  removeModel,
  storeUsage,
  type StoreOptions,
} from "../engine/platform/model-store";
import type { ModelDownloads } from "./downloads";
import { isAdmin, mayAdminister, mayDownload, type ModelPolicy, type Permission } from "./policy";

export interface ModelRoutesOptions {
  downloads: ModelDownloads;
  policy: ModelPolicy;
  store?: StoreOptions;
}

/** What GET /api/models answers (the page's props). */
export interface ModelsView {
  models: {
    name: string;
    aliases: string[];
    description: string;
    status: "bundled" | "installed" | "not installed";
    bytes: number;
    partialBytes: number;
    isDefault: boolean;
    dir: string | null;
  }[];
  downloads: ReturnType<ModelDownloads["list"]>;
  store: { dir: string | null; usedBytes: number; freeBytes: number; hub: string | null };
  rule: ModelPolicy["downloads"];
  access: { canDownload: boolean; reason: string | null; admin: boolean };
}

const nameOf = (body: Record<string, unknown>): string => {
  const name = body.name;
  if (typeof name !== "string" || name.length === 0 || name.length > 200)
    throw new HttpError(400, "bad_request", "'name' must be a model name or hub repository id");
  return name;
};

/** The request's model name, once `permission` lets the caller act on it (else 403 with why). */
async function allowedName(
  req: Parameters<typeof readJson>[0],
  permission: () => Promise<Permission>,
): Promise<string> {
  const name = nameOf(await readJson(req));
  const may = await permission();
  if (!may.ok) throw new HttpError(403, "forbidden", may.reason);
  return name;
}

export function modelRoutes(options: ModelRoutesOptions): Route[] {
  const { downloads, policy, store } = options;
  return [
    {
      method: "GET",
      path: /^\/api\/models$/,
      async handle({ me }) {
        const admin = await isAdmin(me, policy);
        const may = await mayDownload(me, policy);
        const usage = await storeUsage(store);
        const view: ModelsView = {
          models: (await listModels(store)).map((m) => ({
            name: m.name,
            aliases: m.aliases,
            description: m.description,
            status: m.status,
            bytes: m.bytes,
            partialBytes: m.partialBytes,
            isDefault: m.name === DEFAULT_MODEL,
            dir: admin ? m.dir : null,
          })),
          downloads: downloads.list(),
          store: {
            dir: admin ? usage.dir : null,
            usedBytes: usage.usedBytes,
            freeBytes: usage.freeBytes,
            hub: admin ? hubUrl(store) : null,
          },
          rule: policy.downloads,
          access: { canDownload: may.ok, reason: may.ok ? null : may.reason, admin },
        };
        return ok(view);
      },
    },
    {
      method: "POST",
      path: /^\/api\/models\/pull$/,
      async handle({ me, req }) {
        const name = await allowedName(req, () => mayDownload(me, policy));
        const known = findModel(name, store);
        if (!known && !isRepoId(name))
          throw new HttpError(
            400,
            "bad_request",
            `'${name}' is not a hub repository id (owner/name)`,
          );
        if (!known && !(await isAdmin(me, policy)))
          throw new HttpError(
            403,
            "forbidden",
            "only this server's admins may pull other hub repositories",
          );
        const { state } = downloads.pull(name, { by: me?.name ?? null, anyRepo: !known });
        return ok({ download: state }, 202);
      },
    },
    {
      method: "POST",
      path: /^\/api\/models\/cancel$/,
      async handle({ me, req }) {
        const name = await allowedName(req, () => mayDownload(me, policy));
        if (!downloads.cancel(name))
          throw new HttpError(404, "not_found", `no download of '${name}' is running`);
        return ok({ cancelled: name });
      },
    },
    {
      method: "POST",
      path: /^\/api\/models\/remove$/,
      async handle({ me, req }) {
        const name = await allowedName(req, () => mayAdminister(me, policy));
        const running = downloads.get(name);
        if (running && (running.status === "checking" || running.status === "downloading"))
          throw new HttpError(409, "busy", `'${name}' is downloading; cancel it first`);
        try {
          return ok({ removed: name, freedBytes: await removeModel(name, store) });
        } catch (error) {
          throw new HttpError(
            400,
            "bad_request",
            error instanceof Error ? error.message : String(error),
          );
        }
      },
    },
  ];
}
