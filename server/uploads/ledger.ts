/**
 * The Upload rows: who stored which upload and how many bytes it keeps. The per-account quota is
 * counted from these rows, so it holds across web nodes. A row is inserted before the file is
 * written and the total is read after the insert: of two uploads racing on two nodes, each sees
 * the other's row, so together they never pass the quota (at worst both are refused).
 */
import { db } from "../db/client";
import type { StoredFormat } from "./image";

export class UploadQuotaExceeded extends Error {
  readonly code = "upload_quota_exceeded";
  constructor(
    /** Bytes the account's uploads already keep. */
    readonly usedBytes: number,
    /** Bytes this upload would add; null when refused before decoding. */
    readonly neededBytes: number | null,
    readonly quotaBytes: number,
  ) {
    super(
      `Upload storage full: your uploads keep ${formatBytes(usedBytes)} of the ${formatBytes(quotaBytes)} ` +
        `each account may store (CLIPIG_UPLOAD_QUOTA_BYTES)` +
        (neededBytes === null ? "" : `, and this image needs ${formatBytes(neededBytes)}`) +
        ". Uploads no experiment, revision or run uses are removed after a while.",
    );
    this.name = "UploadQuotaExceeded";
  }
}

/** Bytes in binary units, one decimal: "12.3 MiB". */
export function formatBytes(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Bytes the account's uploads keep. */
export async function storedBytes(ownerId: string): Promise<number> {
  const sum = await db().upload.aggregate({ where: { ownerId }, _sum: { bytes: true } });
  return Number(sum._sum.bytes ?? 0);
}

/** Refuses before any decoding when the account is already at its quota. */
export async function ensureRoom(ownerId: string, quotaBytes: number): Promise<void> {
  const used = await storedBytes(ownerId);
  if (used >= quotaBytes) throw new UploadQuotaExceeded(used, null, quotaBytes);
}

export interface UploadRow {
  id: string;
  ownerId: string | null;
  bytes: number;
  format: StoredFormat;
}

/**
 * Records the upload against its owner's quota, or throws `UploadQuotaExceeded` (and records
 * nothing) when the owner's total would pass `quotaBytes`.
 */
export async function reserveUpload(row: UploadRow, quotaBytes: number): Promise<void> {
  await db().upload.create({ data: row });
  if (row.ownerId === null) return;
  const total = await storedBytes(row.ownerId);
  if (total > quotaBytes) {
    await forgetUpload(row.id);
    throw new UploadQuotaExceeded(total - row.bytes, row.bytes, quotaBytes);
  }
}

/** Removes the row (the bytes no longer count); a missing row is not an error. */
export async function forgetUpload(id: string): Promise<void> {
  await db().upload.deleteMany({ where: { id } });
}
