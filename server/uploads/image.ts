/**
 * Untrusted bytes → a clean image, or a refusal. The only image path for anything a user supplies
 * (uploads and fetched URLs): the magic bytes must name one of four raster formats, sharp must
 * decode the bytes as that same format within the pixel limit, and the result is re-encoded, so
 * metadata, trailing data, extra frames and polyglot tricks do not survive. SVG (which can load
 * external resources), TIFF, HEIF, PDF and the rest are refused before any decoder sees them.
 * Fetched URLs become PNG (`toCleanPng`); stored uploads become lossless WebP (`toCleanUpload`),
 * 0.4–0.6× the PNG's size on photos (figures in docs/security.md).
 */
import sharp, { type Metadata } from "sharp";

export type ImageFormat = "png" | "jpeg" | "gif" | "webp";

export interface ImageLimits {
  /** Largest accepted input, bytes. */
  maxBytes: number;
  /** Largest width × height. */
  maxPixels: number;
  /** Longest side, pixels. */
  maxSide: number;
}

export const DEFAULT_IMAGE_LIMITS: ImageLimits = {
  maxBytes: 10 * 1024 * 1024,
  maxPixels: 4096 * 4096,
  maxSide: 8192,
};

export type ImageRefusal =
  "too_large" | "not_an_image" | "unsupported_format" | "too_many_pixels" | "corrupt";

export class ImageRejected extends Error {
  constructor(
    readonly code: ImageRefusal,
    message: string,
  ) {
    super(message);
    this.name = "ImageRejected";
  }
}

export interface CleanImage {
  png: Buffer;
  width: number;
  height: number;
  /** The format the input was in. */
  format: ImageFormat;
}

/** The encodings a clean image is written in. */
export type StoredFormat = "png" | "webp";

export interface EncodedImage {
  bytes: Buffer;
  /** What `bytes` are. */
  encoding: StoredFormat;
  width: number;
  height: number;
  /** The format the input was in. */
  format: ImageFormat;
}

/**
 * The upload encoding: WebP lossless, every pixel kept as decoded (`exact` keeps the colour under
 * transparent pixels, which the engine reads once it drops alpha). Effort 1: within 3% of the
 * smallest effort's size at a fraction of its CPU time (measured in docs/security.md).
 */
const WEBP_LOSSLESS = { lossless: true, exact: true, effort: 1 } as const;

const startsWith = (b: Uint8Array, sig: readonly number[], at = 0) =>
  b.length >= at + sig.length && sig.every((v, i) => b[at + i] === v);
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

/** The format the leading bytes announce, among the accepted ones; null otherwise. */
export function sniffFormat(bytes: Uint8Array): ImageFormat | null {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "png";
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return "jpeg";
  if (startsWith(bytes, ascii("GIF87a")) || startsWith(bytes, ascii("GIF89a"))) return "gif";
  if (startsWith(bytes, ascii("RIFF")) && startsWith(bytes, ascii("WEBP"), 8)) return "webp";
  return null;
}

/** Validates and re-encodes to PNG; throws `ImageRejected` with the reason. */
export async function toCleanPng(
  input: Uint8Array,
  limits: ImageLimits = DEFAULT_IMAGE_LIMITS,
): Promise<CleanImage> {
  const { bytes, width, height, format } = await reencode(input, limits, "png");
  return { png: bytes, width, height, format };
}

/** Validates and re-encodes to lossless WebP, the stored form of uploads. */
export function toCleanUpload(
  input: Uint8Array,
  limits: ImageLimits = DEFAULT_IMAGE_LIMITS,
): Promise<EncodedImage> {
  return reencode(input, limits, "webp");
}

async function reencode(
  input: Uint8Array,
  limits: ImageLimits,
  encoding: StoredFormat,
): Promise<EncodedImage> {
  if (input.byteLength > limits.maxBytes) {
    throw new ImageRejected(
      "too_large",
      `Image is ${input.byteLength} bytes, at most ${limits.maxBytes} allowed`,
    );
  }
  const format = sniffFormat(input);
  if (format === null) {
    throw new ImageRejected(
      looksLikeImage(input) ? "unsupported_format" : "not_an_image",
      "Only PNG, JPEG, GIF and WebP images are accepted",
    );
  }
  const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const options = {
    limitInputPixels: limits.maxPixels,
    failOn: "error",
    animated: false,
    autoOrient: true,
  } as const;
  let meta: Metadata;
  try {
    meta = await sharp(bytes, options).metadata();
  } catch (error) {
    throw refusal(error);
  }
  const width = meta.autoOrient?.width ?? meta.width ?? 0;
  const height = meta.autoOrient?.height ?? meta.height ?? 0;
  if (meta.format !== format)
    throw new ImageRejected(
      "corrupt",
      `Image content (${meta.format}) does not match its signature (${format})`,
    );
  if (!(width > 0 && height > 0)) throw new ImageRejected("corrupt", "Image has no size");
  if (width * height > limits.maxPixels || width > limits.maxSide || height > limits.maxSide) {
    throw new ImageRejected(
      "too_many_pixels",
      `Image is ${width}×${height}, at most ${limits.maxPixels} pixels and ${limits.maxSide} per side`,
    );
  }
  try {
    const decoded = sharp(bytes, options);
    const encoder =
      encoding === "webp" ? decoded.webp(WEBP_LOSSLESS) : decoded.png({ compressionLevel: 6 });
    const { data, info } = await encoder.toBuffer({ resolveWithObject: true });
    return { bytes: data, encoding, width: info.width, height: info.height, format };
  } catch (error) {
    throw refusal(error);
  }
}

function refusal(error: unknown): ImageRejected {
  const message = error instanceof Error ? error.message : String(error);
  if (/pixel limit/i.test(message))
    return new ImageRejected("too_many_pixels", "Image has too many pixels");
  return new ImageRejected("corrupt", "Image could not be decoded");
}

/** Text-ish SVG/XML, TIFF, BMP, HEIF/AVIF: images, just not accepted ones (for a clearer message). */
function looksLikeImage(b: Uint8Array): boolean {
  const head = Buffer.from(b.subarray(0, 256)).toString("latin1").trimStart().toLowerCase();
  return (
    head.startsWith("<svg") ||
    (head.startsWith("<?xml") && head.includes("<svg")) ||
    startsWith(b, [0x49, 0x49, 0x2a, 0x00]) ||
    startsWith(b, [0x4d, 0x4d, 0x00, 0x2a]) ||
    startsWith(b, ascii("BM")) ||
    startsWith(b, ascii("ftyp"), 4)
  );
}
