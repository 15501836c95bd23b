export type { ImageStore } from "./types";
export { directoryStore } from "./directory";
export { s3Store, type S3Options } from "./s3";
export { storageFromEnv } from "./config";
export { localCache, type LocalCache } from "./local-cache";
