/**
 * Which image store a process uses, from the environment:
 * - `CLIPIG_STORAGE=directory` (default): files under `CLIPIG_STORAGE_DIR`, else the data dir.
 * - `CLIPIG_STORAGE=s3`: `CLIPIG_S3_ENDPOINT`, `CLIPIG_S3_BUCKET`, `CLIPIG_S3_REGION` (default
 *   us-east-1), `CLIPIG_S3_PREFIX`, and the standard `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`
 *   / `AWS_SESSION_TOKEN`.
 */
import path from "node:path";
import { directoryStore } from "./directory";
import { s3Store } from "./s3";
import type { ImageStore } from "./types";

export function storageFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  dataDir = path.resolve(env.CLIPIG_DATA_DIR ?? "data"),
): ImageStore {
  const kind = env.CLIPIG_STORAGE ?? "directory";
  if (kind === "directory") return directoryStore(path.resolve(env.CLIPIG_STORAGE_DIR ?? dataDir));
  if (kind !== "s3") throw new Error(`CLIPIG_STORAGE must be directory or s3, got '${kind}'`);
  const need = (name: string) => {
    const value = env[name];
    if (!value) throw new Error(`CLIPIG_STORAGE=s3 needs ${name}`);
    return value;
  };
  return s3Store({
    endpoint: need("CLIPIG_S3_ENDPOINT"),
    bucket: need("CLIPIG_S3_BUCKET"),
    region: env.CLIPIG_S3_REGION ?? "us-east-1",
    prefix: env.CLIPIG_S3_PREFIX,
    credentials: {
      accessKeyId: need("AWS_ACCESS_KEY_ID"),
      secretAccessKey: need("AWS_SECRET_ACCESS_KEY"),
      sessionToken: env.AWS_SESSION_TOKEN,
    },
  });
}
