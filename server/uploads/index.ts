/** Uploaded and fetched images: validation + re-encoding, storage by server-made id, the per-account quota and the sweep of unused uploads (see CONTEXT.md). */
export {
  toCleanPng,
  toCleanUpload,
  sniffFormat,
  ImageRejected,
  DEFAULT_IMAGE_LIMITS,
  type CleanImage,
  type EncodedImage,
  type ImageLimits,
  type ImageFormat,
  type ImageRefusal,
  type StoredFormat,
} from "./image";
export {
  saveUpload,
  readUpload,
  deleteUpload,
  uploadFile,
  uploadKey,
  isUploadId,
  UPLOAD_ID,
  UPLOAD_FORMATS,
  type StoredUpload,
  type UploadOptions,
  type UploadOwner,
} from "./store";
export { UploadQuotaExceeded, storedBytes, formatBytes } from "./ledger";
export {
  uploadSettingsFromEnv,
  DEFAULT_UPLOAD_SETTINGS,
  UPLOAD_SETTINGS_TABLE,
  type UploadSettings,
} from "./settings";
export { sweepUploads, startUploadSweeper, type SweepResult, type UploadSweeper } from "./sweep";
