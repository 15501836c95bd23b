/**
 * The attacker suite's harness: the real studio server (HTTP routes, Socket.IO, Yjs, runs) on a
 * random loopback port over a fresh SQLite file, and clients that behave like browsers (Origin
 * header, session cookie) or like attackers (any header, any bytes). Counters collect what each
 * suite tried and what the server refused, for docs/security.md.
 */
import { once } from "node:events";
import { expect } from "vitest";
import { io as connect, type Socket } from "socket.io-client";
import WebSocket from "ws";
import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";
import { DEFAULT_QUOTAS } from "../../limits/index";
import type { Role } from "../../accounts/index";
import {
  createExperiment,
  guest,
  share,
  signedIn,
  useTempDatabase,
  type TestCaller,
} from "../../collab/testing";
import type { ClientToServerEvents, ServerToClientEvents } from "../../realtime/protocol";
import type { AdmissionOptions } from "../../runs/admission";
import {
  startStudioServer,
  type StudioServer,
  type StudioServerOptions,
} from "../../studio-server";

export type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Everyone the suite plays, from nobody to the owner. */
export const CALLERS = [
  "anonymous",
  "guest",
  "stranger",
  "viewer",
  "runner",
  "editor",
  "owner",
] as const;
export type CallerName = (typeof CALLERS)[number];

export interface Harness {
  server: StudioServer;
  port: number;
  base: string;
  dataDir: string;
  /** A session cookie (or a guest cookie, or nothing) for each caller name. */
  callers: Record<CallerName, TestCaller | null>;
  /** A private experiment where viewer/runner/editor are members with those roles. */
  privateId: string;
  /** A public one with the same members. */
  publicId: string;
  origin: string;
  /** Browser-like headers: our Origin and the caller's cookie. */
  headers(caller: TestCaller | null, extra?: Record<string, string>): Record<string, string>;
  http(
    path: string,
    init?: {
      method?: string;
      caller?: TestCaller | null;
      body?: unknown;
      headers?: Record<string, string>;
    },
  ): Promise<Response>;
  socket(caller: TestCaller | null, headers?: Record<string, string>): Client;
  /** A y-websocket client as the studio page opens it. */
  yjs(
    caller: TestCaller | null,
    documentName: string,
    doc?: Y.Doc,
  ): { doc: Y.Doc; provider: WebsocketProvider; text: Y.Text };
  /** A raw WebSocket to /yjs/<name>, for hostile bytes. */
  rawYjs(
    caller: TestCaller | null,
    documentName: string,
    headers?: Record<string, string>,
  ): WebSocket;
  close(): Promise<void>;
  /** Closes, prints each report with the crash count, and fails on a crash: a suite's `afterAll`. */
  finish(crashes: CrashCounter, ...reports: (Tally | Figures)[]): Promise<void>;
}

export interface HarnessOptions {
  admission?: Partial<AdmissionOptions>;
  server?: Partial<StudioServerOptions>;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dataDir = await useTempDatabase();
  const server = await startStudioServer({
    port: 0,
    host: "127.0.0.1",
    handle: (_req, res) => res.writeHead(404).end("no pages in this test"),
    collab: { debounceMs: 50, maxDebounceMs: 200 },
    ...options.server,
    runs: {
      devices: ["cpu"],
      fps: 20,
      statsIntervalMs: 50,
      admission: { quotas: DEFAULT_QUOTAS, fetch: {}, dataDir, ...options.admission },
      ...options.server?.runs,
    },
  });
  const port = server.port;
  const base = `http://127.0.0.1:${port}`;
  const origin = base;
  const owner = await signedIn();
  const callers: Record<CallerName, TestCaller | null> = {
    anonymous: null,
    guest: guest(),
    stranger: await signedIn(),
    viewer: await signedIn(),
    runner: await signedIn(),
    editor: await signedIn(),
    owner,
  };
  const members = async (id: string) => {
    for (const role of ["viewer", "runner", "editor"] as const)
      await share(id, callers[role]!, role as Role);
    return id;
  };
  const yaml =
    "model: tiny-clip\nepochs: 5\nresolution: 32\ntargets:\n  - features:\n      - text: a pig\n";
  const privateId = await members(
    await createExperiment(yaml, { visibility: "private", ownerId: owner.identity.id }),
  );
  const publicId = await members(
    await createExperiment(yaml, { visibility: "public", ownerId: owner.identity.id }),
  );
  const sockets: Client[] = [];
  const providers: WebsocketProvider[] = [];
  const raws: WebSocket[] = [];

  const headers = (caller: TestCaller | null, extra: Record<string, string> = {}) => ({
    origin,
    ...(caller ? { cookie: caller.cookie } : {}),
    ...extra,
  });

  const harness: Harness = {
    server,
    port,
    base,
    dataDir,
    callers,
    privateId,
    publicId,
    origin,
    headers,
    http(path, init = {}) {
      const body =
        init.body === undefined
          ? undefined
          : typeof init.body === "string"
            ? init.body
            : init.body instanceof Uint8Array
              ? new Uint8Array(init.body)
              : JSON.stringify(init.body);
      const type: Record<string, string> =
        init.body === undefined || body instanceof Uint8Array || typeof init.body === "string"
          ? {}
          : { "content-type": "application/json" };
      return fetch(`${base}${path}`, {
        method: init.method ?? "GET",
        headers: { ...headers(init.caller ?? null), ...type, ...init.headers },
        body,
        redirect: "manual",
      });
    },
    socket(caller, extra) {
      const socket: Client = connect(base, {
        transports: ["websocket"],
        extraHeaders: extra ?? headers(caller),
        forceNew: true,
        reconnection: false,
      });
      sockets.push(socket);
      return socket;
    },
    yjs(caller, documentName, doc = new Y.Doc()) {
      const h = headers(caller);
      class BrowserSocket extends WebSocket {
        constructor(url: string, protocols?: string | string[]) {
          super(url, protocols, { headers: h });
        }
      }
      const provider = new WebsocketProvider(`ws://127.0.0.1:${port}/yjs`, documentName, doc, {
        WebSocketPolyfill: BrowserSocket as unknown as typeof globalThis.WebSocket,
        disableBc: true,
      });
      providers.push(provider);
      return { doc, provider, text: doc.getText("yaml") };
    },
    rawYjs(caller, documentName, extra) {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/yjs/${documentName}`, {
        headers: extra ?? headers(caller),
      });
      ws.on("error", () => {});
      raws.push(ws);
      return ws;
    },
    async close() {
      for (const s of sockets) s.close();
      for (const p of providers) p.destroy();
      for (const w of raws) w.terminate();
      await server.close();
    },
    async finish(crashes, ...reports) {
      await harness.close();
      crashes.stop();
      for (const r of reports)
        if (r instanceof Tally) r.report(crashes.count);
        else console.log(`[security figures] ${JSON.stringify({ ...r, crashes: crashes.count })}`);
      expect(crashes.count).toBe(0);
    },
  };
  return harness;
}

/** Resolves when a y-websocket client has synced. */
export const synced = (p: WebsocketProvider) =>
  new Promise<void>((resolve) =>
    p.synced ? resolve() : p.once("sync", (s: boolean) => s && resolve()),
  );

/** The close code a raw WebSocket ends with (0 when it never opened). */
export async function closeCodeOf(ws: WebSocket): Promise<number> {
  if (ws.readyState === WebSocket.CLOSED) return 0;
  const [code] = (await once(ws, "close")) as [number];
  return code;
}

/** The harness with run starts opened wide and its runner in the public experiment's room. */
export async function startRunnerHarness(): Promise<{ h: Harness; runner: Client }> {
  const h = await startHarness({
    server: { sockets: { runRate: { burst: 100, perSecond: 100 } } },
  });
  const runner = h.socket(h.callers.runner);
  expect(await runner.emitWithAck("room:join", { experimentId: h.publicId })).toMatchObject({
    ok: true,
  });
  return { h, runner };
}

/** A suite's own figures, printed as one `[security figures]` line with the crash count. */
export type Figures = { suite: string } & Record<string, number | string>;

/** Tries, refusals and crashes of one suite: printed for the figures table in docs/security.md. */
export class Tally {
  tried = 0;
  rejected = 0;
  accepted = 0;
  constructor(readonly suite: string) {}
  refused(yes: boolean): void {
    this.tried++;
    if (yes) this.rejected++;
    else this.accepted++;
  }
  report(crashes: number): void {
    console.log(
      `[security figures] ${JSON.stringify({ suite: this.suite, tried: this.tried, rejected: this.rejected, accepted: this.accepted, crashes })}`,
    );
  }
}

export type CrashCounter = ReturnType<typeof crashCounter>;

/** Counts uncaught exceptions and unhandled rejections while a suite runs (the server shares the process). */
export function crashCounter() {
  let crashes = 0;
  const onCrash = () => void crashes++;
  process.on("uncaughtException", onCrash);
  process.on("unhandledRejection", onCrash);
  return {
    get count() {
      return crashes;
    },
    stop() {
      process.off("uncaughtException", onCrash);
      process.off("unhandledRejection", onCrash);
    },
  };
}
