import { beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { db } from "../db/client";
import { usePostgresInSuite } from "../db/postgres-suite";
import { useTempDatabase } from "../db/testing";
import { dbTarget } from "../db/url";
import { directoryStore } from "../storage/directory";
import { storedBytes } from "./ledger";
import { collectIdWords } from "./references";
import { uploadSettingsFromEnv } from "./settings";
import { readUpload, saveUpload, uploadFile } from "./store";
import { sweepUploads } from "./sweep";

const HOUR = 3_600_000;
let dataDir: string;

const image = () =>
  sharp({ create: { width: 8, height: 8, channels: 3, background: "#a50" } })
    .png()
    .toBuffer();
const yamlUsing = (id: string) =>
  `model: tiny-clip\ninit:\n  image: "upload:${id}"\ntargets:\n  - features:\n      - text: a pig\n`;

/** The sweep over real rows and files, against whichever database `db()` now points at. */
function sweepCase() {
  it("removes only uploads past the grace period that no experiment, revision or run names", async () => {
    const shared = directoryStore(mkdtempSync(path.join(tmpdir(), "clipig-sweep-store-")));
    const owner = (await db().user.create({ data: { username: "sweeper", displayName: "s" } })).id;
    const save = async () =>
      (
        await saveUpload(await image(), {
          dataDir,
          store: shared,
          owner: { id: owner, quotaBytes: 1e9 },
        })
      ).id;
    const [inExperiment, inRevision, inRun, inBlockScalar, unused, recent] = await Promise.all(
      Array.from({ length: 6 }, save),
    );
    const experiment = await db().experiment.create({
      data: { title: "uses one", yaml: yamlUsing(inExperiment), ownerId: owner },
    });
    await db().revision.create({
      data: { experimentId: experiment.id, name: "r", yaml: yamlUsing(inRevision) },
    });
    await db().run.create({
      data: { experimentId: experiment.id, yaml: yamlUsing(inRun), model: "tiny-clip", seed: 1 },
    });
    await db().experiment.create({
      data: { title: "flow", yaml: `init: { image: 'upload:${inBlockScalar}' }\n` },
    });
    // Uploads from before rows existed: a PNG file alone, one unused and one in use.
    const [legacyUnused, legacyUsed] = ["U".repeat(22), "K".repeat(22)];
    for (const id of [legacyUnused, legacyUsed])
      writeFileSync(uploadFile(id, dataDir, "png")!, await image());
    await db().experiment.create({ data: { title: "legacy", yaml: yamlUsing(legacyUsed) } });
    const leftover = path.join(dataDir, "uploads", `${unused}.webp.0123456789ab.tmp`);
    writeFileSync(leftover, "half");

    const old = new Date(Date.now() - 48 * HOUR);
    await db().upload.updateMany({ where: { id: { not: recent } }, data: { createdAt: old } });
    for (const f of [
      uploadFile(legacyUnused, dataDir, "png")!,
      uploadFile(legacyUsed, dataDir, "png")!,
      leftover,
    ])
      utimesSync(f, old, old);
    const before = await storedBytes(owner);

    const result = await sweepUploads({ dataDir, store: shared, graceHours: 24 });
    expect(result.removed.sort()).toEqual([unused, legacyUnused].sort());
    expect(result.adopted).toBe(2);
    expect(result.kept).toBe(5);
    for (const id of [unused, legacyUnused]) {
      expect(await readUpload(id, dataDir, shared)).toBeNull(); // gone locally and from the store
      expect(await db().upload.findUnique({ where: { id } })).toBeNull();
    }
    expect(existsSync(path.join(shared.root!, "uploads", `${unused}.webp`))).toBe(false);
    for (const id of [inExperiment, inRevision, inRun, inBlockScalar, recent, legacyUsed])
      expect(await readUpload(id, dataDir, shared)).not.toBeNull();
    expect(existsSync(leftover)).toBe(false);
    expect(await storedBytes(owner)).toBeLessThan(before);

    // Nothing more to do; once the recent one is past its grace period and unused, it goes too.
    expect((await sweepUploads({ dataDir, store: shared, graceHours: 24 })).removed).toEqual([]);
    const later = new Date(Date.now() + 25 * HOUR);
    expect(
      (await sweepUploads({ dataDir, store: shared, graceHours: 24, now: later })).removed,
    ).toEqual([recent]);
    // Dropping the last text that names an upload makes it collectable.
    await db().experiment.update({
      where: { id: experiment.id },
      data: { yaml: "model: tiny-clip\n" },
    });
    expect((await sweepUploads({ dataDir, store: shared, graceHours: 24 })).removed).toEqual([
      inExperiment,
    ]);
  });
}

describe("the sweep on SQLite", () => {
  beforeAll(async () => {
    dataDir = await useTempDatabase("upload-sweep");
  });
  sweepCase();
});

describe("the sweep on PostgreSQL", () => {
  usePostgresInSuite();
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), "clipig-sweep-pg-"));
  });
  it("runs on PostgreSQL", () => expect(dbTarget().kind).toBe("postgres"));
  sweepCase();
});

describe("references and settings", () => {
  it("finds ids however the YAML spells the reference, and nothing else", () => {
    const id = "abcDEF0123456789_-xyzQ";
    for (const text of [
      `image: upload:${id}`,
      `image: "upload:${id}"`,
      `{image: 'upload:${id}'}`,
      `- upload:${id}\n`,
    ]) {
      const words = new Set<string>();
      collectIdWords(text, words);
      expect(words.has(id)).toBe(true);
    }
    const words = new Set<string>();
    collectIdWords(`upload:${id}X upload:x${id}`, words);
    expect(words.has(id)).toBe(false);
  });

  it("settings: defaults, and a bad value names its variable", () => {
    expect(uploadSettingsFromEnv({})).toEqual({
      quotaBytes: 256 * 1024 * 1024,
      graceHours: 24,
      sweepMinutes: 60,
    });
    expect(
      uploadSettingsFromEnv({
        CLIPIG_UPLOAD_QUOTA_BYTES: "1000",
        CLIPIG_UPLOAD_SWEEP_MINUTES: "0",
      }),
    ).toMatchObject({
      quotaBytes: 1000,
      sweepMinutes: 0,
    });
    expect(() => uploadSettingsFromEnv({ CLIPIG_UPLOAD_GRACE_HOURS: "0" })).toThrow(
      /CLIPIG_UPLOAD_GRACE_HOURS/,
    );
    expect(() => uploadSettingsFromEnv({ CLIPIG_UPLOAD_QUOTA_BYTES: "1e3x" })).toThrow(
      /CLIPIG_UPLOAD_QUOTA_BYTES/,
    );
  });
});
