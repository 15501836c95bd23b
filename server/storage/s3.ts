/**
 * An S3-compatible image store over `fetch` with SigV4-signed requests (no SDK): PUT, GET and
 * DELETE of single objects, path-style URLs (`<endpoint>/<bucket>/<prefix><key>`), which AWS, MinIO,
 * Ceph and R2 all accept.
 */
import { sha256Hex, signedHeaders, type Credentials } from "./sigv4";
import { checkKey, type ImageStore } from "./types";

export interface S3Options {
  /** e.g. `https://s3.eu-central-1.amazonaws.com` or `http://minio:9000`. */
  endpoint: string;
  bucket: string;
  region: string;
  credentials: Credentials;
  /** Prepended to every key (`clipig/`). */
  prefix?: string;
  fetch?: typeof fetch;
}

export function s3Store(options: S3Options): ImageStore {
  const doFetch = options.fetch ?? fetch;
  const base = options.endpoint.replace(/\/+$/, "");
  const urlOf = (key: string) =>
    new URL(`${base}/${options.bucket}/${options.prefix ?? ""}${checkKey(key)}`);

  async function request(
    method: string,
    key: string,
    body?: Uint8Array,
    contentType?: string,
  ): Promise<Response> {
    const url = urlOf(key);
    const headers = signedHeaders(
      {
        method,
        url,
        region: options.region,
        service: "s3",
        payloadHash: body ? sha256Hex(body) : sha256Hex(""),
        headers: contentType ? { "content-type": contentType } : {},
      },
      options.credentials,
    );
    delete headers.host; // fetch sets it (the signature covers the same value)
    return doFetch(url, { method, headers, body: body ? new Uint8Array(body) : undefined });
  }

  const fail = async (what: string, res: Response) => {
    const text = await res.text().catch(() => "");
    return new Error(`s3: ${what} failed with ${res.status}: ${text.slice(0, 300)}`);
  };

  return {
    kind: "s3",
    async put(key, data, contentType) {
      const res = await request("PUT", key, data, contentType);
      if (!res.ok) throw await fail(`PUT ${key}`, res);
      await res.arrayBuffer();
    },
    async get(key) {
      const res = await request("GET", key);
      if (res.status === 404) {
        await res.arrayBuffer();
        return null;
      }
      if (!res.ok) throw await fail(`GET ${key}`, res);
      return new Uint8Array(await res.arrayBuffer());
    },
    async delete(key) {
      const res = await request("DELETE", key);
      if (!res.ok && res.status !== 404) throw await fail(`DELETE ${key}`, res);
      await res.arrayBuffer();
    },
  };
}
