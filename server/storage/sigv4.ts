/**
 * AWS Signature Version 4 for S3-compatible stores (AWS, MinIO, R2, …), with node:crypto only.
 * The steps follow AWS's "Authenticating Requests (AWS Signature Version 4)": canonical request →
 * string to sign → signing key derived from the secret, date, region and service → signature.
 */
import { createHash, createHmac } from "node:crypto";

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SignInput {
  method: string;
  url: URL;
  /** Headers to sign (at least host and x-amz-date); names are case-insensitive. */
  headers: Record<string, string>;
  /** Hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`. */
  payloadHash: string;
  region: string;
  service: string;
}

export const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

export const sha256Hex = (data: string | Uint8Array) =>
  createHash("sha256").update(data).digest("hex");
const hmac = (key: string | Buffer, data: string) =>
  createHmac("sha256", key).update(data).digest();

/** RFC 3986 encoding as SigV4 wants it: unreserved characters stay, everything else is %XX. */
export function uriEncode(value: string, keepSlash = false): string {
  return [...new TextEncoder().encode(value)]
    .map((byte) => {
      const c = String.fromCharCode(byte);
      if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === "/")) return c;
      return `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
    })
    .join("");
}

/** `20130524T000000Z` for a date. */
export const amzDate = (date: Date) =>
  date
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");

function canonicalHeaders(headers: Record<string, string>) {
  const entries = Object.entries(headers)
    .map(([name, value]) => [name.toLowerCase(), value.trim().replace(/\s+/g, " ")] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    text: entries.map(([n, v]) => `${n}:${v}\n`).join(""),
    signed: entries.map(([n]) => n).join(";"),
  };
}

export function canonicalRequest(input: SignInput): { text: string; signedHeaders: string } {
  // S3 paths are encoded once, slashes kept (other services encode twice; S3 does not).
  const path = uriEncode(decodeURIComponent(input.url.pathname || "/"), true);
  const query = [...input.url.searchParams.entries()]
    .map(([k, v]) => [uriEncode(k), uriEncode(v)])
    .sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : 1) : a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const headers = canonicalHeaders(input.headers);
  const text = [
    input.method.toUpperCase(),
    path,
    query,
    headers.text,
    headers.signed,
    input.payloadHash,
  ].join("\n");
  return { text, signedHeaders: headers.signed };
}

/** The Authorization header value for a request whose headers already hold `x-amz-date`. */
export function authorization(input: SignInput, credentials: Credentials): string {
  const date = Object.entries(input.headers).find(([n]) => n.toLowerCase() === "x-amz-date")?.[1];
  if (!date || !/^\d{8}T\d{6}Z$/.test(date))
    throw new Error("sigv4: the x-amz-date header is required");
  const day = date.slice(0, 8);
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const canonical = canonicalRequest(input);
  const stringToSign = ["AWS4-HMAC-SHA256", date, scope, sha256Hex(canonical.text)].join("\n");
  const key = hmac(
    hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, day), input.region), input.service),
    "aws4_request",
  );
  const signature = createHmac("sha256", key).update(stringToSign).digest("hex");
  return `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope},SignedHeaders=${canonical.signedHeaders},Signature=${signature}`;
}

/** Headers for a signed request: host, date, payload hash, session token and Authorization added. */
export function signedHeaders(
  input: Omit<SignInput, "headers"> & { headers?: Record<string, string>; date?: Date },
  credentials: Credentials,
): Record<string, string> {
  const headers: Record<string, string> = {
    ...input.headers,
    host: input.url.host,
    "x-amz-date": amzDate(input.date ?? new Date()),
    "x-amz-content-sha256": input.payloadHash,
  };
  if (credentials.sessionToken) headers["x-amz-security-token"] = credentials.sessionToken;
  return { ...headers, authorization: authorization({ ...input, headers }, credentials) };
}
