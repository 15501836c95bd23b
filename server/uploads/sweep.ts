/**
 * Removes uploads nothing uses. An upload older than the grace period whose id appears in no
 * experiment, revision or run text (`references.ts`) loses its local file, the shared store's
 * copy and then its row (a failure leaves the row, so the next sweep tries again). Upload files in
 * the data dir without a row — made before rows existed, or a node's cached copy of an upload
 * another node removed — are first recorded (ownerless, dated by the file), so the same rule
 * applies to them. Every web node sweeps its own data dir; removing twice is harmless.
 */
import { readdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import { db } from "../db/client";
import { dataDir as defaultDataDir } from "../db/url";
import type { ImageStore } from "../storage/types";
import type { StoredFormat } from "./image";
import { forgetUpload } from "./ledger";
import { referencedIds } from "./references";
import type { UploadSettings } from "./settings";
import { deleteUpload } from "./store";

export interface SweepOptions {
  dataDir?: string;
  store?: ImageStore;
  graceHours: number;
  /** The sweep's clock (tests). */
  now?: Date;
}

export interface SweepResult {
  /** Files found without a row and recorded. */
  adopted: number;
  /** Uploads removed (file, store copy and row). */
  removed: string[];
  /** Uploads past the grace period kept because a text names them. */
  kept: number;
}

const FILE = /^([A-Za-z0-9_-]{22})\.(webp|png)$/;
const PAGE = 500;

export async function sweepUploads({
  dataDir = defaultDataDir(),
  store,
  graceHours,
  now = new Date(),
}: SweepOptions): Promise<SweepResult> {
  const cutoff = new Date(now.getTime() - graceHours * 3_600_000);
  const adopted = await adoptLocalFiles(path.join(dataDir, "uploads"), cutoff);
  const used = await referencedIds();
  const removed: string[] = [];
  let kept = 0;
  let cursor: string | undefined;
  for (;;) {
    const rows = await db().upload.findMany({
      where: { createdAt: { lt: cutoff } },
      select: { id: true },
      orderBy: { id: "asc" },
      take: PAGE,
      ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
    });
    for (const { id } of rows) {
      if (used.has(id)) {
        kept++;
        continue;
      }
      await deleteUpload(id, dataDir, store);
      await forgetUpload(id);
      removed.push(id);
    }
    if (rows.length < PAGE) break;
    cursor = rows.at(-1)!.id;
  }
  return { adopted, removed, kept };
}

/** Records rowless upload files older than `cutoff`; removes temporary files a crash left. */
async function adoptLocalFiles(dir: string, cutoff: Date): Promise<number> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const old: { id: string; format: StoredFormat; bytes: number; createdAt: Date }[] = [];
  for (const name of names) {
    const info = await stat(path.join(dir, name)).catch(() => null);
    if (!info?.isFile() || info.mtime >= cutoff) continue;
    if (name.endsWith(".tmp")) {
      await rm(path.join(dir, name), { force: true });
      continue;
    }
    const match = FILE.exec(name);
    if (match)
      old.push({
        id: match[1],
        format: match[2] as StoredFormat,
        bytes: info.size,
        createdAt: info.mtime,
      });
  }
  let adopted = 0;
  for (let i = 0; i < old.length; i += PAGE) {
    const chunk = old.slice(i, i + PAGE);
    const known = await db().upload.findMany({
      where: { id: { in: chunk.map((f) => f.id) } },
      select: { id: true },
    });
    const have = new Set(known.map((r) => r.id));
    for (const file of chunk) {
      if (have.has(file.id)) continue;
      have.add(file.id); // a legacy .png beside a .webp of the same id: one row
      // Another node may record the same file at the same moment: its row is as good as ours.
      const made = await db()
        .upload.create({ data: { ...file, ownerId: null } })
        .then(
          () => true,
          () => false,
        );
      if (made) adopted++;
    }
  }
  return adopted;
}

export interface UploadSweeper {
  stop(): Promise<void>;
}

/** Sweeps every `sweepMinutes` (never two at once); the first sweep after one interval. */
export function startUploadSweeper(
  settings: Pick<UploadSettings, "graceHours" | "sweepMinutes">,
  options: { dataDir?: string; store?: ImageStore } = {},
): UploadSweeper {
  if (settings.sweepMinutes === 0) return { stop: async () => {} };
  let running: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = sweepUploads({ ...options, graceHours: settings.graceHours })
      .then((r) => {
        if (r.removed.length || r.adopted)
          console.log(
            `uploads: swept ${r.removed.length} unused upload(s), recorded ${r.adopted} file(s)`,
          );
      })
      .catch((error: unknown) => console.error("uploads: sweep failed:", error))
      .finally(() => (running = null));
  }, settings.sweepMinutes * 60_000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
