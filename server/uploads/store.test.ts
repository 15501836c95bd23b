import { describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { ImageRejected } from "./image";
import { deleteUpload, readUpload, saveUpload, uploadFile } from "./store";

const dataDir = mkdtempSync(path.join(tmpdir(), "clipig-uploads-"));

describe("uploads on disk", () => {
  it("stores a clean PNG under a server-made id and reads it back", async () => {
    const jpeg = await sharp({
      create: { width: 12, height: 9, channels: 3, background: "#123456" },
    })
      .jpeg()
      .toBuffer();
    const saved = await saveUpload(jpeg, { dataDir });
    expect(saved).toMatchObject({ width: 12, height: 9, sourceFormat: "jpeg" });
    expect(saved.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(readdirSync(path.join(dataDir, "uploads"))).toContain(`${saved.id}.png`);
    const back = await readUpload(saved.id, dataDir);
    expect((await sharp(back!).metadata()).format).toBe("png");
    expect(back!.byteLength).toBe(saved.bytes);
    const other = await saveUpload(jpeg, { dataDir });
    expect(other.id).not.toBe(saved.id);
    expect(await deleteUpload(saved.id, dataDir)).toBe(true);
    expect(await readUpload(saved.id, dataDir)).toBeNull();
  });

  it("never turns a user-supplied name into a path", async () => {
    for (const id of [
      "../../etc/passwd",
      "..%2f..%2fetc",
      "a/b",
      "/etc/passwd",
      "AAAAAAAAAAAAAAAAAAAA.png",
      "",
      "x".repeat(23),
    ]) {
      expect(uploadFile(id, dataDir)).toBeNull();
      expect(await readUpload(id, dataDir)).toBeNull();
      expect(await deleteUpload(id, dataDir)).toBe(false);
    }
    expect(path.dirname(uploadFile("A".repeat(22), dataDir)!)).toBe(path.join(dataDir, "uploads"));
  });

  it("writes nothing for a refused upload", async () => {
    const before = readdirSync(path.join(dataDir, "uploads")).length;
    await expect(saveUpload(Buffer.from("<svg/>"), { dataDir })).rejects.toBeInstanceOf(
      ImageRejected,
    );
    expect(readdirSync(path.join(dataDir, "uploads")).length).toBe(before);
  });
});
