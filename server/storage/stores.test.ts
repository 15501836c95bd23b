import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { directoryStore } from "./directory";
import { s3Store } from "./s3";
import { s3Stub, STUB_CREDENTIALS as credentials } from "./testing";
import type { ImageStore } from "./types";

const stub = await s3Stub();
afterAll(() => stub.server.close());

const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255]);

describe.each([
  ["directory", () => directoryStore(mkdtempSync(path.join(tmpdir(), "clipig-store-")))],
  [
    "s3",
    () =>
      s3Store({
        endpoint: stub.endpoint,
        bucket: "renders",
        region: "test-1",
        prefix: "clipig/",
        credentials,
      }),
  ],
] as [string, () => ImageStore][])("%s store", (_kind, make) => {
  it("puts, gets, overwrites and deletes; a missing key reads as null", async () => {
    const store = make();
    expect(await store.get("images/run1/final.png")).toBeNull();
    await store.put("images/run1/final.png", png, "image/png");
    expect([...(await store.get("images/run1/final.png"))!]).toEqual([...png]);
    await store.put("images/run1/final.png", png.slice(0, 3), "image/png");
    expect([...(await store.get("images/run1/final.png"))!]).toEqual([0x89, 0x50, 0x4e]);
    await store.delete("images/run1/final.png");
    await store.delete("images/run1/final.png");
    expect(await store.get("images/run1/final.png")).toBeNull();
  });

  it("refuses keys that could leave the store", async () => {
    const store = make();
    for (const key of ["../etc/passwd", "images/../x", "/abs", "a//b", "images/a b.png", ""]) {
      await expect(store.put(key, png, "image/png")).rejects.toThrow(/invalid storage key/);
    }
  });
});

describe("s3 store against the stub", () => {
  it("sends signed path-style requests with the content type", async () => {
    const store = s3Store({
      endpoint: stub.endpoint,
      bucket: "renders",
      region: "test-1",
      prefix: "p/",
      credentials,
    });
    await store.put("images/r2/snap-10.png", png, "image/png");
    expect(stub.objects.get("/renders/p/images/r2/snap-10.png")?.type).toBe("image/png");
    expect(stub.rejected).toEqual([]);
  });

  it("fails loudly when the signature is wrong", async () => {
    const bad = s3Store({
      endpoint: stub.endpoint,
      bucket: "renders",
      region: "test-1",
      credentials: { ...credentials, secretAccessKey: "wrong" },
    });
    await expect(bad.put("images/r3/final.png", png, "image/png")).rejects.toThrow(
      /PUT images\/r3\/final.png failed with 403/,
    );
    await expect(bad.get("images/r3/final.png")).rejects.toThrow(/403/);
  });
});

describe("directory store", () => {
  it("leaves no temporary files behind", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "clipig-store-"));
    const store = directoryStore(root);
    await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        store.put("images/r/final.png", new Uint8Array([i]), "image/png"),
      ),
    );
    expect(readdirSync(path.join(root, "images", "r"))).toEqual(["final.png"]);
  });
});

describe("local cache over a store", () => {
  it("publishes data-dir files to the store and fills a missing local copy; no-op when the store is the data dir", async () => {
    const { localCache } = await import("./local-cache");
    const { writeFile, mkdir, readFile } = await import("node:fs/promises");
    const worker = mkdtempSync(path.join(tmpdir(), "clipig-worker-"));
    const node = mkdtempSync(path.join(tmpdir(), "clipig-node-"));
    const shared = s3Store({
      endpoint: stub.endpoint,
      bucket: "renders",
      region: "test-1",
      prefix: "cache/",
      credentials,
    });
    await mkdir(path.join(worker, "images", "r9"), { recursive: true });
    await writeFile(path.join(worker, "images", "r9", "snap-5.png"), png);
    await localCache(shared, worker).publish("images/r9/snap-5.png");
    await localCache(shared, node).ensureLocal("images/r9/snap-5.png");
    expect([...(await readFile(path.join(node, "images", "r9", "snap-5.png")))]).toEqual([...png]);
    await localCache(shared, node).ensureLocal("images/r9/missing.png"); // nothing there: nothing written
    const same = directoryStore(worker);
    await localCache(same, worker).publish("images/r9/snap-5.png");
    expect(readdirSync(path.join(worker, "images", "r9"))).toEqual(["snap-5.png"]);
  });
});
