import { once } from "node:events";
import { createServer, connect, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { connectionCap, connectionCapsFromEnv, DEFAULT_CONNECTION_CAPS } from "./connection-caps";

describe("connectionCapsFromEnv", () => {
  it("reads both caps, 0 meaning none, and names a malformed variable", () => {
    expect(connectionCapsFromEnv({})).toEqual(DEFAULT_CONNECTION_CAPS);
    expect(
      connectionCapsFromEnv({
        CLIPIG_MAX_YJS_CONNECTIONS_PER_ADDRESS: "0",
        CLIPIG_MAX_SOCKETS_PER_ADDRESS: " 200 ",
      }),
    ).toEqual({ yjs: 0, sockets: 200 });
    for (const bad of ["-1", "1.5", "lots", "1e9"])
      expect(() => connectionCapsFromEnv({ CLIPIG_MAX_SOCKETS_PER_ADDRESS: bad })).toThrow(
        /CLIPIG_MAX_SOCKETS_PER_ADDRESS/,
      );
  });
});

describe("connectionCap over real TCP sockets", () => {
  const accepted: Socket[] = [];
  const server = createServer((s) => accepted.push(s));
  const listening = new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  afterAll(() => server.close());

  /** A client connection and the server's end of it. */
  async function pair(): Promise<{ client: Socket; serverSide: Socket }> {
    await listening;
    const before = accepted.length;
    const client = connect((server.address() as AddressInfo).port, "127.0.0.1");
    await once(client, "connect");
    while (accepted.length === before) await new Promise((r) => setTimeout(r, 5));
    return { client, serverSide: accepted[accepted.length - 1] };
  }

  it("admits up to the limit per address, answers 429 beyond it, frees a place on close", async () => {
    const cap = connectionCap("Yjs", 2);
    const a = await pair();
    const b = await pair();
    expect(cap.admit("10.0.0.1", a.serverSide)).toBe(true);
    expect(cap.admit("10.0.0.1", b.serverSide)).toBe(true);
    expect(cap.openFrom("10.0.0.1")).toBe(2);

    const c = await pair();
    const reply: Buffer[] = [];
    c.client.on("data", (d: Buffer) => reply.push(d));
    expect(cap.admit("10.0.0.1", c.serverSide)).toBe(false);
    await once(c.client, "end");
    const text = Buffer.concat(reply).toString();
    expect(text).toMatch(/^HTTP\/1\.1 429 Too Many Requests\r\n/);
    expect(text).toMatch(/too many Yjs connections from your address \(limit 2\)/);
    expect(cap.openFrom("10.0.0.1")).toBe(2); // the refused one is not counted

    const other = await pair();
    expect(cap.admit("10.0.0.2", other.serverSide)).toBe(true);

    a.client.destroy();
    await once(a.serverSide, "close");
    expect(cap.openFrom("10.0.0.1")).toBe(1);
    const d = await pair();
    expect(cap.admit("10.0.0.1", d.serverSide)).toBe(true);
    for (const p of [b, c, other, d]) p.client.destroy();
    await Promise.all([b, other, d].map((p) => once(p.serverSide, "close")));
    expect(cap.openFrom("10.0.0.1")).toBe(0);
    expect(cap.openFrom("10.0.0.2")).toBe(0);
  });

  it("with limit 0 counts but never refuses", async () => {
    const cap = connectionCap("Socket.IO", 0);
    const pairs = await Promise.all(Array.from({ length: 5 }, () => pair()));
    for (const p of pairs) expect(cap.admit("10.0.0.3", p.serverSide)).toBe(true);
    expect(cap.openFrom("10.0.0.3")).toBe(5);
    for (const p of pairs) p.client.destroy();
  });
});
