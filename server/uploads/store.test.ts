import { afterAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { directoryStore } from "../storage/directory";
import { s3Store } from "../storage/s3";
import { s3Stub, STUB_CREDENTIALS, STUB_REGION } from "../storage/testing";
import { ImageRejected } from "./image";
import { deleteUpload, readUpload, saveUpload, uploadFile, uploadKey } from "./store";

const dataDir = mkdtempSync(path.join(tmpdir(), "clipig-uploads-"));
const stub = await s3Stub();
afterAll(() => stub.server.close());

describe("uploads on disk", () => {
  it("stores a clean lossless WebP under a server-made id and reads it back", async () => {
    const jpeg = await sharp({
      create: { width: 12, height: 9, channels: 3, background: "#123456" },
    })
      .jpeg()
      .toBuffer();
    const saved = await saveUpload(jpeg, { dataDir });
    expect(saved).toMatchObject({ width: 12, height: 9, sourceFormat: "jpeg" });
    expect(saved.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(readdirSync(path.join(dataDir, "uploads"))).toContain(`${saved.id}.webp`);
    const back = await readUpload(saved.id, dataDir);
    expect((await sharp(back!).metadata()).format).toBe("webp");
    // Lossless: the stored pixels are the decoded upload's, exactly.
    const pixels = (b: Uint8Array) => sharp(b).removeAlpha().raw().toBuffer();
    expect((await pixels(back!)).equals(await pixels(jpeg))).toBe(true);
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

describe("uploads through a shared image store (cluster mode)", () => {
  /** An S3 store on the signing stub, recording every request it sends. */
  const shared = (requests: string[] = [], credentials = STUB_CREDENTIALS) =>
    s3Store({
      endpoint: stub.endpoint,
      bucket: "studio",
      region: STUB_REGION,
      prefix: "c/",
      credentials,
      fetch: (input, init) => {
        requests.push(`${init?.method ?? "GET"} ${new URL(String(input)).pathname}`);
        return fetch(input, init);
      },
    });
  const fresh = (name: string) => mkdtempSync(path.join(tmpdir(), `clipig-${name}-`));
  const png = () =>
    sharp({ create: { width: 6, height: 5, channels: 3, background: "#0a7" } })
      .png()
      .toBuffer();

  it("an upload saved on node A is readable on node B, which keeps a local copy", async () => {
    const [dirA, dirB] = [fresh("node-a"), fresh("node-b")];
    const saved = await saveUpload(await png(), { dataDir: dirA, store: shared() });
    const onA = readFileSync(uploadFile(saved.id, dirA)!);
    expect(stub.objects.get(`/studio/c/uploads/${saved.id}.webp`)?.data.equals(onA)).toBe(true);
    expect(stub.objects.get(`/studio/c/uploads/${saved.id}.webp`)?.type).toBe("image/webp");
    expect(await readUpload(saved.id, dirB)).toBeNull(); // without the store B cannot see it
    const onB = await readUpload(saved.id, dirB, shared());
    expect(onB?.equals(onA)).toBe(true);
    expect(readdirSync(path.join(dirB, "uploads"))).toEqual([`${saved.id}.webp`]);
    const requests: string[] = [];
    expect((await readUpload(saved.id, dirB, shared(requests)))?.equals(onA)).toBe(true);
    expect(requests).toEqual([]); // the second read is local
    expect(await deleteUpload(saved.id, dirA, shared())).toBe(true);
    expect(stub.objects.has(`/studio/c/uploads/${saved.id}.webp`)).toBe(false);
    expect(await readUpload(saved.id, fresh("node-c"), shared())).toBeNull();
    expect(stub.rejected).toEqual([]);
  });

  it("uploads stored as PNG before WebP are still read, from the disk and from the store", async () => {
    const bytes = await png();
    const [dirA, dirB] = [fresh("legacy-a"), fresh("legacy-b")];
    const local = "L".repeat(22);
    mkdirSync(path.join(dirA, "uploads"));
    writeFileSync(uploadFile(local, dirA, "png")!, bytes);
    expect((await readUpload(local, dirA))?.equals(bytes)).toBe(true);
    const remote = "R".repeat(22);
    await shared().put(uploadKey(remote, "png")!, bytes, "image/png");
    expect((await readUpload(remote, dirB, shared()))?.equals(bytes)).toBe(true);
    expect(readdirSync(path.join(dirB, "uploads"))).toEqual([`${remote}.png`]);
    expect(await deleteUpload(remote, dirB, shared())).toBe(true);
    expect(stub.objects.has(`/studio/c/uploads/${remote}.png`)).toBe(false);
  });

  it("a malformed id reaches neither the store nor the disk; an unknown id reads as null", async () => {
    const dir = fresh("node-b");
    const requests: string[] = [];
    const store = shared(requests);
    for (const id of ["../../etc/passwd", "a/b", "..", "x".repeat(23), "A".repeat(21) + "."]) {
      expect(await readUpload(id, dir, store)).toBeNull();
      expect(await deleteUpload(id, dir, store)).toBe(false);
    }
    expect(requests).toEqual([]);
    const unknown = "B".repeat(22);
    expect(await readUpload(unknown, dir, store)).toBeNull();
    expect(requests).toEqual([
      `GET /studio/c/uploads/${unknown}.webp`,
      `GET /studio/c/uploads/${unknown}.png`,
    ]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("hands out no id the store did not take; a failing store on read throws", async () => {
    const dir = fresh("node-a");
    const refused = shared([], { ...STUB_CREDENTIALS, secretAccessKey: "wrong" });
    await expect(saveUpload(await png(), { dataDir: dir, store: refused })).rejects.toThrow(/403/);
    expect(readdirSync(path.join(dir, "uploads"))).toEqual([]);
    await expect(readUpload("C".repeat(22), dir, refused)).rejects.toThrow(/403/);
  });

  it("the default store (the data dir itself) keeps one file, as on a single node", async () => {
    const dir = fresh("single");
    const saved = await saveUpload(await png(), { dataDir: dir, store: directoryStore(dir) });
    expect(readdirSync(path.join(dir, "uploads"))).toEqual([`${saved.id}.webp`]);
    expect((await readUpload(saved.id, dir, directoryStore(dir)))?.byteLength).toBe(saved.bytes);
    expect(await deleteUpload(saved.id, dir, directoryStore(dir))).toBe(true);
    expect(readdirSync(path.join(dir, "uploads"))).toEqual([]);
  });
});
