/** Streams an image file from the data folder as a route handler response. */
import { readFile } from "node:fs/promises";
import path from "node:path";

const TYPES: Record<string, string> = {
  ".png": "image/png",
  ".webp": "image/webp",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
};

export async function sendImage(file: string | null, download: string | null): Promise<Response> {
  const type = file ? TYPES[path.extname(file).toLowerCase()] : undefined;
  if (!file || !type) return new Response("Not found", { status: 404 });
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    return new Response("Not found", { status: 404 });
  }
  const headers: Record<string, string> = {
    "content-type": type,
    "cache-control": "private, max-age=3600",
  };
  if (download) headers["content-disposition"] = `attachment; filename="${download}"`;
  return new Response(new Uint8Array(body), { headers });
}
