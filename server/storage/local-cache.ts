/**
 * The data dir as a local copy of the shared store. Code that reads and writes run images and
 * uploads as files (`server/runs/images.ts`, `server/uploads/store.ts`) keeps doing so; in cluster
 * mode the process that wrote a file copies it into the store, and a node or worker fetches into
 * its data dir what it is about to read. When the store is the data dir itself (the default
 * directory store), both are no-ops.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { checkKey, type ImageStore } from "./types";

export interface LocalCache {
  /** Copies `<dataDir>/<relative>` into the store under the same key. */
  publish(relative: string): Promise<void>;
  /** Fetches the store's object into `<dataDir>/<relative>` when the file is missing. */
  ensureLocal(relative: string): Promise<void>;
}

/** True when the store is the data dir itself (the default directory store): nothing to copy. */
export function storeIsDataDir(store: ImageStore, dataDir: string): boolean {
  return (
    store.kind === "directory" &&
    store.root !== undefined &&
    path.resolve(store.root) === path.resolve(dataDir)
  );
}

export function localCache(store: ImageStore, dataDir: string): LocalCache {
  const same = storeIsDataDir(store, dataDir);
  const file = (relative: string) => path.join(dataDir, ...checkKey(relative).split("/"));
  return {
    async publish(relative) {
      if (same) return;
      await store.put(relative, new Uint8Array(await readFile(file(relative))), "image/png");
    },
    async ensureLocal(relative) {
      if (same) return;
      const target = file(relative);
      if (
        await stat(target).then(
          () => true,
          () => false,
        )
      )
        return;
      const data = await store.get(relative);
      if (!data) return;
      await mkdir(path.dirname(target), { recursive: true });
      // Renamed into place: a concurrent reader of the same file sees all of it or nothing.
      const temporary = `${target}.${randomBytes(6).toString("hex")}.tmp`;
      await writeFile(temporary, data);
      await rename(temporary, target);
    },
  };
}
