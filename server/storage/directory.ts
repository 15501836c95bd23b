/**
 * The default store: files under one directory (the data dir, or a volume mounted on every node).
 * Writes go to a temporary file first and are renamed into place, so a reader on another node never
 * sees half an image.
 */
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { checkKey, type ImageStore } from "./types";

export function directoryStore(root: string): ImageStore {
  const file = (key: string) => path.join(root, ...checkKey(key).split("/"));
  return {
    kind: "directory",
    root,
    async put(key, data) {
      const target = file(key);
      await mkdir(path.dirname(target), { recursive: true });
      const temporary = `${target}.${randomBytes(6).toString("hex")}.tmp`;
      await writeFile(temporary, data);
      await rename(temporary, target);
    },
    async get(key) {
      try {
        return new Uint8Array(await readFile(file(key)));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw error;
      }
    },
    async delete(key) {
      await rm(file(key), { force: true });
    },
  };
}
