/** The studio's JSON/file routes under /api/ (see CONTEXT.md). */
import { authRoutes, type AuthLimits } from "./auth-routes";
import { fileRoutes } from "./file-routes";
import { apiRouter, type RouterOptions } from "./router";
import { sharingRoutes } from "./sharing-routes";
import { uploadRoutes } from "./upload-routes";
import { viewsRoutes, type ViewsRouteOptions } from "./views-routes";
import { engineWebAssetRoutes } from "./engine-web-assets";
import { modelRoutes, type ModelRoutesOptions } from "../models/routes";
import { modelFileRoutes } from "../models/file-routes";

export { apiRouter, signedIn, type Route, type Context, type RouterOptions } from "./router";
export { DEFAULT_AUTH_LIMITS, authLimitsFromEnv, type AuthLimits } from "./auth-routes";

export interface StudioApiOptions extends Pick<RouterOptions, "policy"> {
  dataDir: string;
  auth?: AuthLimits;
  uploadRate?: { perSecond: number; burst: number };
  /** The views route: live text, admission, rate (default: the row, the environment, 1/s). */
  views?: Omit<ViewsRouteOptions, "dataDir">;
  /** The /models page's routes (`server/models`). */
  models?: ModelRoutesOptions;
}

/** Every route of the studio API in one handler; returns false for requests outside /api/. */
export function studioApi(options: StudioApiOptions) {
  return apiRouter({
    policy: options.policy,
    routes: [
      ...authRoutes(options.auth),
      ...sharingRoutes(),
      ...uploadRoutes(options.dataDir, options.uploadRate),
      ...fileRoutes(),
      ...viewsRoutes({ dataDir: options.dataDir, ...options.views }),
      ...(options.models ? modelRoutes(options.models) : []),
      ...modelFileRoutes(options.models?.store),
      ...engineWebAssetRoutes(),
    ],
  });
}
