/**
 * Attacker suite: uploads as a disk lever, and lineage as an id leak.
 *
 * One signed-in account uploads photo after photo: past its storage quota every upload is refused
 * with the numbers (used, needed, limit, setting), the bytes on disk stay under the quota, and
 * another account still uploads. Figures: bytes on disk per uploaded byte with the old PNG
 * encoding and with the stored WebP.
 *
 * A render page (`/r/<run>`, through the data layer the page calls with the caller the cookie
 * resolves to) must not name an unlisted or private fork, nor an unlisted origin, to anyone who
 * could not open it without its link.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { identify } from "../auth/identity";
import { signedIn, type TestCaller } from "../collab/testing";
import { db } from "../db/client";
import { getRender } from "../data/renders";
import { toCleanPng } from "../uploads";
import { photoJpeg } from "../uploads/testing";
import { CALLERS, crashCounter, startHarness, Tally, type Harness } from "./testing/harness";

const QUOTA = 2 * 1024 * 1024;
let h: Harness;
const crashes = crashCounter();
const savedQuota = process.env.CLIPIG_UPLOAD_QUOTA_BYTES;

beforeAll(async () => {
  process.env.CLIPIG_UPLOAD_QUOTA_BYTES = String(QUOTA);
  // The per-user rate limit is the other defence; raised here so only the quota stops the flood.
  h = await startHarness({ server: { api: { uploadRate: { perSecond: 100, burst: 100 } } } });
});
afterAll(async () => {
  await h?.close();
  crashes.stop();
  if (savedQuota === undefined) delete process.env.CLIPIG_UPLOAD_QUOTA_BYTES;
  else process.env.CLIPIG_UPLOAD_QUOTA_BYTES = savedQuota;
});

const diskBytes = (dir: string) => {
  const uploads = path.join(dir, "uploads");
  try {
    return readdirSync(uploads).reduce((sum, f) => sum + statSync(path.join(uploads, f)).size, 0);
  } catch {
    return 0;
  }
};

describe("uploads: one account cannot fill the disk", () => {
  it("is refused past its quota with the numbers, disk use stays under it, others still upload", async () => {
    const tally = new Tally("uploads past the per-account quota");
    const attacker = await signedIn();
    const photo = await photoJpeg(800, 600, 11);
    const upload = (caller: TestCaller) =>
      h.http("/api/uploads", {
        method: "POST",
        caller,
        body: photo,
        headers: { "content-type": "image/jpeg" },
      });
    let accepted = 0;
    let message = "";
    for (let i = 0; i < 12; i++) {
      const res = await upload(attacker);
      if (res.status === 201) accepted++;
      else {
        expect(res.status).toBe(413);
        const body = (await res.json()) as { error: { code: string; message: string } };
        expect(body.error.code).toBe("upload_quota_exceeded");
        message = body.error.message;
      }
      tally.refused(res.status !== 201);
      expect(diskBytes(h.dataDir)).toBeLessThanOrEqual(QUOTA);
    }
    expect(accepted).toBeGreaterThanOrEqual(1);
    expect(tally.rejected).toBeGreaterThanOrEqual(12 - 4);
    expect(message).toMatch(/of the 2\.0 MiB each account may store \(CLIPIG_UPLOAD_QUOTA_BYTES\)/);
    expect(message).toMatch(/your uploads keep \d+\.\d (KiB|MiB)/);
    const onDisk = diskBytes(h.dataDir);
    const rows = await db().upload.aggregate({
      where: { ownerId: attacker.identity.id },
      _sum: { bytes: true },
    });
    expect(rows._sum.bytes).toBe(onDisk);
    // Another account is not affected by the attacker's quota.
    expect((await upload(h.callers.editor!)).status).toBe(201);

    const before = (await toCleanPng(photo)).png.byteLength / photo.byteLength;
    const after = onDisk / (accepted * photo.byteLength);
    expect(after).toBeLessThan(before);
    tally.report(crashes.count);
    console.log(
      `[security figures] ${JSON.stringify({
        suite: "upload storage",
        image: `photo-like JPEG q90 800×600, ${photo.byteLength} bytes (server/uploads/testing.ts)`,
        quotaBytes: QUOTA,
        uploads: tally.tried,
        accepted,
        refused: tally.rejected,
        diskBytes: onDisk,
        diskPerUploadedByte: { beforePng: +before.toFixed(2), afterWebp: +after.toFixed(2) },
      })}`,
    );
    expect(crashes.count).toBe(0);
  });
});

describe("lineage: a render page names only what the caller may open", () => {
  it("an unlisted or private fork, and an unlisted origin, stay unnamed to everyone else", async () => {
    const tally = new Tally("render lineage naming hidden experiments");
    const forker = await signedIn();
    const ownerOf = (id: string) => db().experiment.findUniqueOrThrow({ where: { id } });
    const origin = await ownerOf(h.publicId);
    const fork = (title: string, visibility: string, forkedFromId: string, ownerId: string) =>
      db().experiment.create({
        data: { title, yaml: origin.yaml, visibility, ownerId, forkedFromId },
      });
    const run = (experimentId: string) =>
      db().run.create({
        data: { experimentId, yaml: origin.yaml, model: "tiny-clip", seed: 1, status: "done" },
      });
    const hidden = [
      await fork("unlisted fork", "unlisted", h.publicId, forker.identity.id),
      await fork("private fork", "private", h.publicId, forker.identity.id),
    ];
    const originRun = await run(h.publicId);
    // A public fork of an unlisted experiment: its render must not name the unlisted origin.
    const unlistedOrigin = await db().experiment.create({
      data: {
        title: "unlisted origin",
        yaml: origin.yaml,
        visibility: "unlisted",
        ownerId: forker.identity.id,
      },
    });
    const publicChild = await fork(
      "public child",
      "public",
      unlistedOrigin.id,
      h.callers.owner!.identity.id,
    );
    const childRun = await run(publicChild.id);
    const secrets = [...hidden, unlistedOrigin];

    for (const name of CALLERS) {
      const me = await identify(h.callers[name]?.cookie);
      for (const runId of [originRun.id, childRun.id]) {
        const page = JSON.stringify(await getRender(me, runId));
        const leaked = secrets.filter((s) => page.includes(s.id) || page.includes(s.title));
        expect(
          leaked.map((s) => s.title),
          `${name} on ${runId}`,
        ).toEqual([]);
        tally.refused(leaked.length === 0);
      }
    }
    // Positive control: the forker, who owns them, sees all three named.
    const mine = await identify(forker.cookie);
    expect((await getRender(mine, originRun.id))!.forks.map((f) => f.title).sort()).toEqual([
      "private fork",
      "unlisted fork",
    ]);
    expect((await getRender(mine, childRun.id))!.forkedFrom?.id).toBe(unlistedOrigin.id);
    tally.report(crashes.count);
    expect(crashes.count).toBe(0);
  });
});
