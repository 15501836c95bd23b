import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import sharp from "sharp";
import { decodeImage } from "../engine/platform/image-io";
import { sniffFormat, toCleanPng, toCleanUpload } from "./image";
import { photoJpeg } from "./testing";

const solid = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: 200, g: 30, b: 90 } } });

/** The pixels the engine trains on (8-bit RGB, alpha dropped). */
const enginePixels = async (bytes: Uint8Array) => Buffer.from((await decodeImage(bytes)).data);

describe("uploads are stored as lossless WebP", () => {
  it.each(["png", "jpeg", "gif", "webp"] as const)(
    "%s: same pixels for the engine, WebP bytes",
    async (format) => {
      const input = await solid(40, 30).toFormat(format).toBuffer();
      const out = await toCleanUpload(input);
      expect(out).toMatchObject({ width: 40, height: 30, format, encoding: "webp" });
      expect(sniffFormat(out.bytes)).toBe("webp");
      expect((await enginePixels(out.bytes)).equals(await enginePixels(input))).toBe(true);
    },
  );

  it("keeps a photo's every pixel, and the colour under transparent pixels", async () => {
    const photo = await photoJpeg(96, 64, 7);
    expect(
      (await enginePixels((await toCleanUpload(photo)).bytes)).equals(await enginePixels(photo)),
    ).toBe(true);
    // Alpha 0 over varied colours: the engine drops alpha, so those colours are what it sees.
    const rgba = Buffer.alloc(16 * 16 * 4);
    for (let i = 0; i < 256; i++)
      rgba.set([i, 255 - i, (i * 7) & 255, i % 3 === 0 ? 0 : 255], i * 4);
    const png = await sharp(rgba, { raw: { width: 16, height: 16, channels: 4 } })
      .png()
      .toBuffer();
    const out = await toCleanUpload(png);
    expect((await enginePixels(out.bytes)).equals(await enginePixels(png))).toBe(true);
  });

  it("drops metadata and trailing bytes, applies EXIF orientation", async () => {
    const jpeg = await solid(40, 20)
      .jpeg()
      .withMetadata({ orientation: 6, exif: { IFD0: { Copyright: "secret-gps-here" } } })
      .toBuffer();
    const out = await toCleanUpload(
      Buffer.concat([jpeg, Buffer.from("<script>alert(1)</script>")]),
    );
    expect([out.width, out.height]).toEqual([20, 40]);
    const text = out.bytes.toString("latin1");
    expect(text).not.toContain("secret-gps-here");
    expect(text).not.toContain("<script>");
    expect((await sharp(out.bytes).metadata()).exif).toBeUndefined();
  });

  it("is smaller than PNG, even PNG at its strongest compression (figures)", async () => {
    const images: [string, Buffer][] = [
      ["photo-like JPEG q90 800×600 (server/uploads/testing.ts)", await photoJpeg(800, 600)],
      ["docs/studio.png (a UI screenshot)", readFileSync("docs/studio.png")],
    ];
    for (const [name, input] of images) {
      const webp = (await toCleanUpload(input)).bytes.byteLength;
      const png = (await toCleanPng(input)).png.byteLength;
      const pngMax = (
        await sharp(input).png({ compressionLevel: 9, adaptiveFiltering: true }).toBuffer()
      ).byteLength;
      console.log(
        `[upload figures] ${JSON.stringify({ image: name, input: input.byteLength, png6: png, png9: pngMax, webpLossless: webp, perInputByte: { png6: +(png / input.byteLength).toFixed(2), png9: +(pngMax / input.byteLength).toFixed(2), webp: +(webp / input.byteLength).toFixed(2) } })}`,
      );
      expect(webp).toBeLessThan(pngMax);
      expect(webp).toBeLessThan(png * 0.75);
    }
  });
});
