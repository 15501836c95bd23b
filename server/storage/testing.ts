/**
 * Test support: a tiny S3-compatible server that checks each request's SigV4 signature and body
 * hash and keeps objects in memory (for the storage tests and the worker's shared-store test).
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { authorization, sha256Hex } from "./sigv4";

export const STUB_CREDENTIALS = { accessKeyId: "AKIDTEST", secretAccessKey: "secret/test+key" };
export const STUB_REGION = "test-1";

export async function s3Stub(credentials = STUB_CREDENTIALS) {
  const objects = new Map<string, { data: Buffer; type: string }>();
  const rejected: string[] = [];
  const body = (req: IncomingMessage) =>
    new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c)).on("end", () => resolve(Buffer.concat(chunks)));
    });
  const server = createServer(async (req, res) => {
    const data = await body(req);
    const given = req.headers.authorization ?? "";
    const signed = /SignedHeaders=([^,]+)/.exec(given)?.[1].split(";") ?? [];
    const headers = Object.fromEntries(signed.map((n) => [n, String(req.headers[n] ?? "")]));
    const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
    const payloadHash = String(req.headers["x-amz-content-sha256"]);
    const expected = authorization(
      {
        method: req.method ?? "GET",
        url,
        headers,
        payloadHash,
        region: STUB_REGION,
        service: "s3",
      },
      credentials,
    );
    if (!signed.includes("host") || given !== expected || sha256Hex(data) !== payloadHash) {
      rejected.push(`${req.method} ${url.pathname}`);
      return res.writeHead(403).end("<Error><Code>SignatureDoesNotMatch</Code></Error>");
    }
    const key = url.pathname;
    if (req.method === "PUT") {
      objects.set(key, { data, type: String(req.headers["content-type"]) });
      return res.writeHead(200).end();
    }
    const object = objects.get(key);
    if (req.method === "DELETE") {
      objects.delete(key);
      return res.writeHead(204).end();
    }
    if (!object) return res.writeHead(404).end("<Error><Code>NoSuchKey</Code></Error>");
    res.writeHead(200, { "content-type": object.type }).end(object.data);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    server,
    objects,
    rejected,
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  };
}
