/**
 * Test helpers: HTTP servers on loopback that count every TCP connection they accept, and a guard
 * that records outgoing connections (and stops any not to loopback), so a test can prove a refused
 * URL opened none.
 */
import http from "node:http";
import dns from "node:dns";
import net, { isIP, type AddressInfo, type LookupFunction } from "node:net";

export interface TestServer {
  port: number;
  host: string;
  /** TCP connections accepted (a connection counts even if no request is read). */
  connections: number;
  requests: string[];
  url(path?: string): string;
  close(): Promise<void>;
}

export async function startServer(
  handler: http.RequestListener,
  host = "127.0.0.1",
): Promise<TestServer> {
  const server = http.createServer(handler);
  const sockets = new Set<net.Socket>();
  const state: TestServer = {
    port: 0,
    host,
    connections: 0,
    requests: [],
    url: (path = "/") => `http://${host.includes(":") ? `[${host}]` : host}:${state.port}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  server.on("connection", (socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("request", (req) => state.requests.push(`${req.headers.host} ${req.url}`));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  state.port = (server.address() as AddressInfo).port;
  return state;
}

const LOOPBACK = new Set(["127.0.0.1", "::1"]);

export interface ConnectionGuard {
  /** Every outgoing TCP connection attempted since installed, as `address:port` (after any lookup). */
  readonly targets: readonly string[];
  /** Attempts to anything but loopback; they were stopped before reaching the network. */
  readonly blocked: readonly string[];
  restore(): void;
}

type ConnectOptions = {
  host?: string;
  port?: number;
  path?: string | null;
  lookup?: LookupFunction;
};
type LookupCallback = (
  error: Error | null,
  address?: string | { address: string; family: number }[],
  family?: number,
) => void;

/**
 * Wraps `net.Socket#connect` (every HTTP and TLS connection goes through it): records each attempt
 * and refuses any that is not to a loopback address (names are checked on what their lookup
 * answers), so even a broken address policy cannot make a test send traffic anywhere else.
 */
export function guardConnections(): ConnectionGuard {
  const original = net.Socket.prototype.connect;
  const targets: string[] = [];
  const blocked: string[] = [];
  const admit = (address: string, port: unknown): boolean => {
    const target = `${address.includes(":") ? `[${address}]` : address}:${String(port)}`;
    targets.push(target);
    if (LOOPBACK.has(address)) return true;
    blocked.push(target);
    return false;
  };
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    // net.connect passes its normalised arguments as one array: [options, callback]
    const list = Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
    const options: ConnectOptions =
      typeof list[0] === "object" && list[0] !== null
        ? (list[0] as ConnectOptions)
        : { port: Number(list[0]), host: typeof list[1] === "string" ? list[1] : "localhost" };
    if (typeof options.path === "string")
      return (original as (...a: unknown[]) => net.Socket).apply(this, args);
    const host = options.host ?? "localhost";
    if (isIP(host)) {
      if (!admit(host, options.port)) {
        process.nextTick(() =>
          this.destroy(new Error(`test guard: refused connection to ${host}`)),
        );
        return this;
      }
    } else {
      const inner = options.lookup ?? (dns.lookup as unknown as LookupFunction);
      options.lookup = ((name: string, opts: object, callback: LookupCallback) =>
        (inner as unknown as (n: string, o: object, cb: LookupCallback) => void)(
          name,
          opts,
          (error, address, family) => {
            if (error) return callback(error);
            const all = Array.isArray(address) ? address.map((a) => a.address) : [String(address)];
            if (!all.every((a) => admit(a, options.port)))
              return callback(new Error(`test guard: refused connection to ${name}`));
            callback(null, address, family);
          },
        )) as unknown as LookupFunction;
      if (list !== args) list[0] = options;
      else args[0] = options;
    }
    return (original as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof original;
  return {
    targets,
    blocked,
    restore: () => {
      net.Socket.prototype.connect = original;
    },
  };
}
