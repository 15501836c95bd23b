import { describe, expect, it } from "vitest";
import { authorization, canonicalRequest, EMPTY_SHA256, sha256Hex, signedHeaders } from "./sigv4";

// AWS's published examples ("Signature Calculations for the Authorization Header: Transferring
// Payload in a Single Chunk", Amazon S3 API reference).
const credentials = {
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
};

describe("SigV4", () => {
  it("signs AWS's GET Object example", () => {
    const input = {
      method: "GET",
      url: new URL("https://examplebucket.s3.amazonaws.com/test.txt"),
      headers: {
        Host: "examplebucket.s3.amazonaws.com",
        Range: "bytes=0-9",
        "x-amz-content-sha256": EMPTY_SHA256,
        "x-amz-date": "20130524T000000Z",
      },
      payloadHash: EMPTY_SHA256,
      region: "us-east-1",
      service: "s3",
    };
    expect(sha256Hex(canonicalRequest(input).text)).toBe(
      "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972",
    );
    expect(authorization(input, credentials)).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request," +
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date," +
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
    );
  });

  it("signs AWS's PUT Object example (encoded path, body hash)", () => {
    const body = "Welcome to Amazon S3.";
    const input = {
      method: "PUT",
      url: new URL("https://examplebucket.s3.amazonaws.com/test$file.text"),
      headers: {
        Host: "examplebucket.s3.amazonaws.com",
        Date: "Fri, 24 May 2013 00:00:00 GMT",
        "x-amz-date": "20130524T000000Z",
        "x-amz-storage-class": "REDUCED_REDUNDANCY",
        "x-amz-content-sha256": sha256Hex(body),
      },
      payloadHash: sha256Hex(body),
      region: "us-east-1",
      service: "s3",
    };
    expect(sha256Hex(body)).toBe(
      "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
    );
    expect(canonicalRequest(input).text.split("\n")[1]).toBe("/test%24file.text");
    expect(authorization(input, credentials)).toMatch(
      /Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd$/,
    );
  });

  it("adds host, date, payload hash and token; a different secret gives a different signature", () => {
    const url = new URL("http://127.0.0.1:9000/bucket/images/r1/final.png?x-id=GetObject");
    const date = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));
    const a = signedHeaders(
      { method: "GET", url, payloadHash: EMPTY_SHA256, region: "eu", service: "s3", date },
      { ...credentials, sessionToken: "tok" },
    );
    expect(a).toMatchObject({
      host: "127.0.0.1:9000",
      "x-amz-date": "20240102T030405Z",
      "x-amz-security-token": "tok",
    });
    expect(a.authorization).toContain(
      "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token",
    );
    const b = signedHeaders(
      { method: "GET", url, payloadHash: EMPTY_SHA256, region: "eu", service: "s3", date },
      { ...credentials, secretAccessKey: "other", sessionToken: "tok" },
    );
    expect(b.authorization).not.toBe(a.authorization);
  });
});
