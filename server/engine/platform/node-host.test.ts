import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { encodeFramePng, nodeHost } from "./node-host";
import { toFrame } from "../trainer/frame";

const png = async (w: number, h: number, rgb: [number, number, number]) =>
  new Uint8Array(
    await sharp({
      create: { width: w, height: h, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } },
    })
      .png()
      .toBuffer(),
  );

describe("node host", () => {
  it("loads uploads by name, and URLs once (cached by the URL's md5)", async () => {
    const served = await png(3, 2, [255, 0, 0]);
    let hits = 0;
    const server = createServer((_, res) => {
      hits++;
      res.writeHead(200, { "content-type": "image/png" }).end(served);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/pic.png`;
    const cache = mkdtempSync(path.join(tmpdir(), "clipig-img-"));
    const host = nodeHost({
      imageCacheDir: cache,
      images: { "upload.png": await png(1, 1, [0, 0, 255]) },
    });
    try {
      const a = await host.loadImage(url);
      const b = await host.loadImage(url);
      expect([a.width, a.height, Array.from(a.data.slice(0, 3))]).toEqual([3, 2, [255, 0, 0]]);
      expect(Array.from(b.data)).toEqual(Array.from(a.data));
      expect(hits).toBe(1);
      expect(readdirSync(cache)).toEqual([createHash("md5").update(url).digest("hex")]);
      const up = await host.loadImage("upload.png");
      expect(Array.from(up.data)).toEqual([0, 0, 255]);
      await expect(host.loadImage(path.join(cache, "missing.png"))).rejects.toThrow(
        /image '.*missing.png'/,
      );
    } finally {
      server.close();
    }
  });

  it("encodes frames as PNG", async () => {
    const frame = toFrame(Float32Array.from([1, 0, 0, 1, 0.5, 0.5]), 2, 1, 0);
    const { data, info } = await sharp(await encodeFramePng(frame))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([2, 1, 3]);
    expect(Array.from(data)).toEqual([255, 0, 128, 0, 255, 128]);
  });
});
