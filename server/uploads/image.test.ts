import { describe, expect, it } from "vitest";
import sharp from "sharp";
import { ImageRejected, sniffFormat, toCleanPng, type ImageRefusal } from "./image";

const solid = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: 200, g: 30, b: 90 } } });

async function refused(
  bytes: Uint8Array,
  limits?: Parameters<typeof toCleanPng>[1],
): Promise<ImageRefusal> {
  const e = await toCleanPng(bytes, limits).then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(ImageRejected);
  return (e as ImageRejected).code;
}

describe("toCleanPng accepts raster images and re-encodes them", () => {
  it.each(["png", "jpeg", "gif", "webp"] as const)("%s", async (format) => {
    const input = await solid(40, 30).toFormat(format).toBuffer();
    expect(sniffFormat(input)).toBe(format);
    const out = await toCleanPng(input);
    expect(out).toMatchObject({ width: 40, height: 30, format });
    expect(sniffFormat(out.png)).toBe("png");
    const meta = await sharp(out.png).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(["png", 40, 30]);
  });

  it("drops metadata and trailing bytes, applies EXIF orientation", async () => {
    const jpeg = await solid(40, 20)
      .jpeg()
      .withMetadata({ orientation: 6, exif: { IFD0: { Copyright: "secret-gps-here" } } })
      .toBuffer();
    const polyglot = Buffer.concat([jpeg, Buffer.from("<script>alert(1)</script>")]);
    const out = await toCleanPng(polyglot);
    expect([out.width, out.height]).toEqual([20, 40]);
    const text = out.png.toString("latin1");
    expect(text).not.toContain("secret-gps-here");
    expect(text).not.toContain("<script>");
    expect((await sharp(out.png).metadata()).exif).toBeUndefined();
  });
});

describe("toCleanPng refuses", () => {
  it("text, HTML and empty input as not an image", async () => {
    expect(await refused(Buffer.from("hello"))).toBe("not_an_image");
    expect(await refused(Buffer.from("<!doctype html><html></html>"))).toBe("not_an_image");
    expect(await refused(new Uint8Array(0))).toBe("not_an_image");
  });

  it("SVG, TIFF and BMP as unsupported, before any decoder sees them", async () => {
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><image href="http://127.0.0.1/x"/></svg>',
    );
    expect(await refused(svg)).toBe("unsupported_format");
    expect(await refused(await solid(8, 8).tiff().toBuffer())).toBe("unsupported_format");
    expect(await refused(Buffer.concat([Buffer.from("BM"), Buffer.alloc(60)]))).toBe(
      "unsupported_format",
    );
  });

  it("truncated and mislabelled images as corrupt", async () => {
    const png = await solid(64, 64).png().toBuffer();
    expect(await refused(png.subarray(0, 40))).toBe("corrupt");
    const jpeg = await solid(8, 8).jpeg().toBuffer();
    const mislabelled = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      jpeg,
    ]);
    expect(await refused(mislabelled)).toBe("corrupt");
  });

  it("too many bytes, and too many pixels from a tiny file (decompression bomb)", async () => {
    const png = await solid(64, 64).png().toBuffer();
    expect(
      await refused(png, { maxBytes: png.byteLength - 1, maxPixels: 1e6, maxSide: 1000 }),
    ).toBe("too_large");
    const limits = { maxBytes: 1e6, maxPixels: 1e6, maxSide: 4000 };
    const bomb = await solid(2000, 2000).png({ compressionLevel: 9 }).toBuffer();
    expect(bomb.byteLength).toBeLessThan(50_000);
    const t0 = performance.now();
    expect(await refused(bomb, limits)).toBe("too_many_pixels");
    expect(performance.now() - t0).toBeLessThan(200); // refused from the header, not by decoding
    const wide = await solid(9000, 2).png().toBuffer();
    expect(await refused(wide)).toBe("too_many_pixels");
  });
});
