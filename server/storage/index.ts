export type { ImageStore } from "./types";
export { directoryStore } from "./directory";
export { s3Store, type S3Options } from "./s3";
export { storageFromEnv } from "./config";
export { localCache, storeIsDataDir, type LocalCache } from "./local-cache";
