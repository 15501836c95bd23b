/** Uploaded and fetched images: validation + re-encoding, and storage by server-made id (see CONTEXT.md). */
export {
  toCleanPng,
  sniffFormat,
  ImageRejected,
  DEFAULT_IMAGE_LIMITS,
  type CleanImage,
  type ImageLimits,
  type ImageFormat,
  type ImageRefusal,
} from "./image";
export {
  saveUpload,
  readUpload,
  deleteUpload,
  uploadFile,
  uploadKey,
  isUploadId,
  UPLOAD_ID,
  type StoredUpload,
  type UploadOptions,
} from "./store";
