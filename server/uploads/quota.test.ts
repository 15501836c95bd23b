import { beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { db } from "../db/client";
import { usePostgresInSuite } from "../db/postgres-suite";
import { useTempDatabase } from "../db/testing";
import { dbTarget } from "../db/url";
import { ImageRejected, toCleanUpload } from "./image";
import { storedBytes, UploadQuotaExceeded } from "./ledger";
import { saveUpload } from "./store";
import { photoJpeg } from "./testing";

const fresh = (name: string) => mkdtempSync(path.join(tmpdir(), `clipig-quota-${name}-`));
const image = (seed: number) => photoJpeg(64, 48, seed);
const user = async () =>
  (
    await db().user.create({
      data: { username: `q${Math.random().toString(36).slice(2)}`, displayName: "q" },
    })
  ).id;
const files = (dir: string) => {
  try {
    return readdirSync(path.join(dir, "uploads"));
  } catch {
    return [];
  }
};

/** The quota cases, against whichever database `db()` now points at. */
function quotaCases() {
  it("counts stored bytes per account and refuses past the quota with the numbers", async () => {
    const [owner, other] = [await user(), await user()];
    const dir = fresh("one");
    const one = await image(1);
    const size = (await toCleanUpload(one)).bytes.byteLength;
    const quotaBytes = size * 2 + size / 2;
    await saveUpload(one, { dataDir: dir, owner: { id: owner, quotaBytes } });
    await saveUpload(one, { dataDir: dir, owner: { id: owner, quotaBytes } });
    expect(await storedBytes(owner)).toBe(size * 2);
    const refused = await saveUpload(one, { dataDir: dir, owner: { id: owner, quotaBytes } }).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(UploadQuotaExceeded);
    const e = refused as UploadQuotaExceeded;
    expect([e.usedBytes, e.neededBytes, e.quotaBytes]).toEqual([size * 2, size, quotaBytes]);
    expect(e.message).toMatch(/CLIPIG_UPLOAD_QUOTA_BYTES/);
    expect(e.message).toContain(`${((size * 2) / 1024).toFixed(1)} KiB`);
    expect(files(dir)).toHaveLength(2);
    expect(await storedBytes(owner)).toBe(size * 2);
    // Another account is not affected.
    await saveUpload(one, { dataDir: dir, owner: { id: other, quotaBytes } });
    expect(files(dir)).toHaveLength(3);
  });

  it("an account at its quota is refused before its bytes are decoded", async () => {
    const owner = await user();
    const dir = fresh("full");
    await saveUpload(await image(2), { dataDir: dir, owner: { id: owner, quotaBytes: 1 } }).catch(
      () => {},
    );
    // Refused and recorded nothing, so the account is at 0 of 0 below.
    expect(await storedBytes(owner)).toBe(0);
    const garbage = Buffer.from("not an image at all");
    await expect(
      saveUpload(garbage, { dataDir: dir, owner: { id: owner, quotaBytes: 0 } }),
    ).rejects.toBeInstanceOf(UploadQuotaExceeded);
    await expect(
      saveUpload(garbage, { dataDir: dir, owner: { id: owner, quotaBytes: 10 } }),
    ).rejects.toBeInstanceOf(ImageRejected);
    expect(files(dir)).toEqual([]);
  });

  it("racing uploads on two nodes (two data dirs, one database) never pass the quota together", async () => {
    const owner = await user();
    const [a, b] = [fresh("node-a"), fresh("node-b")];
    const inputs = await Promise.all([3, 4, 5, 6, 7, 8].map(image));
    const sizes = await Promise.all(
      inputs.map(async (i) => (await toCleanUpload(i)).bytes.byteLength),
    );
    const quotaBytes = Math.max(...sizes) * 2;
    const results = await Promise.allSettled(
      inputs.map((bytes, i) =>
        saveUpload(bytes, { dataDir: i % 2 ? a : b, owner: { id: owner, quotaBytes } }),
      ),
    );
    const accepted = results.filter((r) => r.status === "fulfilled");
    const refused = results.filter((r) => r.status === "rejected");
    expect(refused.every((r) => r.reason instanceof UploadQuotaExceeded)).toBe(true);
    expect(accepted.length).toBeLessThanOrEqual(2);
    // Reservations that raced may all refuse each other (the ledger's documented worst case:
    // never passing together); the person's retry afterwards gets in.
    const retried =
      accepted.length === 0
        ? [await saveUpload(inputs[0], { dataDir: a, owner: { id: owner, quotaBytes } })]
        : [];
    expect(accepted.length + retried.length).toBeGreaterThanOrEqual(1);
    expect(await storedBytes(owner)).toBeLessThanOrEqual(quotaBytes);
    expect(files(a).length + files(b).length).toBe(accepted.length + retried.length);
  });
}

describe("upload quota on SQLite", () => {
  beforeAll(async () => {
    await useTempDatabase("upload-quota");
  });
  it("runs on SQLite", () => expect(dbTarget().kind).toBe("sqlite"));
  quotaCases();
});

describe("upload quota on PostgreSQL", () => {
  usePostgresInSuite();
  it("runs on PostgreSQL", () => expect(dbTarget().kind).toBe("postgres"));
  quotaCases();
});
