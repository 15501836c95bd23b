/** Which database this process talks to: DATABASE_URL (postgresql://… or file:…), else the embedded SQLite file. */
import path from "node:path";

export type DbKind = "sqlite" | "postgres";

export interface DbTarget {
  kind: DbKind;
  url: string;
  /** Absolute file path for SQLite. */
  file?: string;
}

export function dataDir(): string {
  return path.resolve(/* turbopackIgnore: true */ process.env.CLIPIG_DATA_DIR ?? "data");
}

export function dbTarget(env: NodeJS.ProcessEnv = process.env): DbTarget {
  const url = env.DATABASE_URL ?? "";
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: "postgres", url };
  const file = url.startsWith("file:")
    ? path.resolve(url.slice("file:".length))
    : path.join(dataDir(), "clipig.db");
  return { kind: "sqlite", url: `file:${file}`, file };
}
