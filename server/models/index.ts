/**
 * The studio's models (see CONTEXT.md): one `ModelDownloads` per process, the download rule from
 * the environment, the rooms' waiting starts and the /models routes, wired together.
 */
import { canRun, roleFor } from "../auth/access";
import type { StoreOptions } from "../engine/platform/model-store";
import { ModelDownloads } from "./downloads";
import { modelPolicyFromEnv, type ModelPolicy } from "./policy";
import { RoomModels, type RoomModelsOptions } from "./room-models";
import type { ModelRoutesOptions } from "./routes";

export { ModelDownloads } from "./downloads";
export { RoomModels } from "./room-models";
export { modelRoutes, type ModelRoutesOptions, type ModelsView } from "./routes";
export { modelPolicyFromEnv, mayDownload, isAdmin, type ModelPolicy } from "./policy";

export interface StudioModels {
  downloads: ModelDownloads;
  policy: ModelPolicy;
  rooms: RoomModels;
  routes: ModelRoutesOptions;
  close(): Promise<void>;
}

export function studioModels(
  runs: RoomModelsOptions["runs"],
  options: { policy?: ModelPolicy; store?: StoreOptions; progressMs?: number } = {},
): StudioModels {
  const policy = options.policy ?? modelPolicyFromEnv();
  const downloads = new ModelDownloads({ store: options.store, progressMs: options.progressMs });
  const rooms = new RoomModels({
    downloads,
    policy,
    runs,
    store: options.store,
    mayRun: async (identity, experimentId) => canRun(await roleFor(identity, experimentId)),
  });
  return {
    downloads,
    policy,
    rooms,
    routes: { downloads, policy, store: options.store },
    close: () => downloads.close(),
  };
}
