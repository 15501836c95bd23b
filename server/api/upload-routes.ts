/**
 * Image uploads: signed-in users send the raw bytes of a PNG, JPEG, GIF or WebP (10 MB at most,
 * a few per minute, within their storage quota); the server validates, re-encodes to lossless WebP
 * and stores it under a random id it makes itself. The answer names it as `upload:<id>`, which `init.image` / `features.image` may
 * use. Reading one back needs its id, which only the experiments that use it show (an unguessable
 * capability, like the share links). Uploads go to the data dir and the configured image store
 * (`CLIPIG_STORAGE`), so in a cluster every node can serve and admit what one node received.
 */
import { keyedRateLimiter } from "../limits";
import {
  DEFAULT_IMAGE_LIMITS,
  ImageRejected,
  readUpload,
  saveUpload,
  sniffFormat,
  UploadQuotaExceeded,
  uploadSettingsFromEnv,
  type UploadSettings,
} from "../uploads";
import { UPLOAD_PREFIX } from "../runs/admission";
import { storageFromEnv } from "../storage/config";
import type { ImageStore } from "../storage/types";
import { HttpError, ok, problem, readBody } from "./http";
import { signedIn, type Route } from "./router";

const TYPES = /^(image\/(png|jpeg|gif|webp)|application\/octet-stream)(;|$)/i;

export function uploadRoutes(
  dataDir: string,
  rate = { perSecond: 1 / 6, burst: 10 },
  store: ImageStore = storageFromEnv(process.env, dataDir),
  settings: Pick<UploadSettings, "quotaBytes"> = uploadSettingsFromEnv(),
): Route[] {
  const uploads = keyedRateLimiter({ ...rate, maxKeys: 10_000 });
  return [
    {
      method: "POST",
      path: /^\/api\/uploads$/,
      async handle(ctx) {
        const me = signedIn(ctx);
        if (!TYPES.test(ctx.req.headers["content-type"] ?? ""))
          throw new HttpError(
            415,
            "unsupported_media_type",
            "Send the image bytes as image/png, image/jpeg, image/gif or image/webp",
          );
        if (!uploads.take(me.id))
          return problem(429, "rate_limited", "Too many uploads; wait a little");
        const bytes = await readBody(ctx.req, DEFAULT_IMAGE_LIMITS.maxBytes);
        try {
          const owner = { id: me.id, quotaBytes: settings.quotaBytes };
          const stored = await saveUpload(bytes, { dataDir, store, owner });
          return ok(
            {
              id: stored.id,
              ref: `${UPLOAD_PREFIX}${stored.id}`,
              width: stored.width,
              height: stored.height,
              bytes: stored.bytes,
            },
            201,
          );
        } catch (error) {
          if (error instanceof ImageRejected) return problem(422, error.code, error.message);
          if (error instanceof UploadQuotaExceeded) return problem(413, error.code, error.message);
          throw error;
        }
      },
    },
    {
      method: "GET",
      path: /^\/api\/uploads\/(?<id>[A-Za-z0-9_-]{22})$/,
      async handle({ params }) {
        const image = await readUpload(params.id, dataDir, store);
        if (!image) return problem(404, "not_found", "Not found");
        // WebP since uploads are stored compactly; PNG for the ones stored before.
        const type = sniffFormat(image) === "webp" ? "image/webp" : "image/png";
        return {
          status: 200,
          body: image,
          headers: { "content-type": type, "cache-control": "private, max-age=86400" },
        };
      },
    },
  ];
}
