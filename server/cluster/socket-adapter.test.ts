import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { Server } from "socket.io";
import { io as connect, type Socket } from "socket.io-client";
import { attachRedisAdapter } from "./socket-adapter";
import { clearPrefix, testPrefix, TEST_REDIS_URL } from "./testing/services";

const prefix = testPrefix();
const closers: (() => Promise<unknown> | void)[] = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await clearPrefix(prefix);
});

async function node() {
  const http = createServer();
  const io = new Server(http);
  const adapter = attachRedisAdapter(io, TEST_REDIS_URL, prefix);
  io.on("connection", (socket) => void socket.join("exp:1"));
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  closers.push(
    () => adapter.close(),
    () => io.close(),
  ); // io first: it unsubscribes through the adapter
  return { io, port: (http.address() as AddressInfo).port };
}

async function client(port: number): Promise<Socket> {
  const socket = connect(`http://127.0.0.1:${port}`, { transports: ["websocket"], forceNew: true });
  closers.push(() => void socket.close());
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  return socket;
}

describe("Socket.IO Redis adapter", () => {
  it("a room broadcast on one node reaches the room's sockets on the other; io.local stays local", async () => {
    const a = await node();
    const b = await node();
    const onA = await client(a.port);
    const onB = await client(b.port);
    const got = { a: [] as string[], b: [] as string[] };
    onA.on("news", (m: string) => got.a.push(m));
    onB.on("news", (m: string) => got.b.push(m));
    await expect
      .poll(async () => (await a.io.in("exp:1").fetchSockets()).length, { timeout: 5000 })
      .toBe(2);
    a.io.to("exp:1").emit("news", "everyone");
    b.io.local.to("exp:1").emit("news", "only b");
    await expect.poll(() => got.b.length, { timeout: 5000 }).toBe(2);
    expect(got.a).toEqual(["everyone"]);
    expect(got.b.sort()).toEqual(["everyone", "only b"]);
  });
});
