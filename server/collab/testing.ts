/**
 * Test support shared by the collab, realtime, runs, cluster and security tests and the benches: a
 * fresh SQLite file in a temp data dir (set through the same env variables the server reads),
 * migrated, row makers, callers as the server sees them — signed-in users with a real session,
 * guests, nobody — and the two sockets a studio tab opens (Socket.IO and y-websocket).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  io as connect,
  type ManagerOptions,
  type Socket,
  type SocketOptions,
} from "socket.io-client";
import WebSocket from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { createSession, SESSION_COOKIE, type Role } from "../accounts";
import { closeDb, db } from "../db/client";
import { migrate } from "../db/migrate";
import { encodeGuest, newGuest, GUEST_COOKIE, type Identity } from "../auth/identity";
import type { CollabServer } from "./collab-server";
import { handleYjsUpgrade } from "./endpoint";
import {
  YJS_TEXT_FIELD,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from "../realtime/protocol";

/** Points this process at a new data dir + database; call before anything touches `db()`. */
export async function useTempDatabase(): Promise<string> {
  await closeDb();
  const dir = mkdtempSync(path.join(tmpdir(), "clipig-rt-"));
  process.env.CLIPIG_DATA_DIR = dir;
  process.env.DATABASE_URL = `file:${path.join(dir, "clipig.db")}`;
  await migrate();
  return dir;
}

/** An experiment small enough for a CPU run in seconds: tiny-clip at 32×32, one text target. */
export const tinyExperiment = (epochs: number, snapshotInterval: number) => `model: tiny-clip
device: cpu
epochs: ${epochs}
resolution: 32
snapshot_interval: ${snapshotInterval}
targets:
  - features:
      - text: a pig in a tiny field
`;

export async function createExperiment(
  yaml: string,
  opts: { visibility?: string; ownerId?: string; members?: Record<string, Role> } = {},
): Promise<string> {
  const row = await db().experiment.create({
    data: {
      title: "test",
      yaml,
      visibility: opts.visibility ?? "public",
      ownerId: opts.ownerId,
      members: {
        create: Object.entries(opts.members ?? {}).map(([userId, role]) => ({ userId, role })),
      },
    },
    select: { id: true },
  });
  return row.id;
}

/** A finished 3-epoch run row of `experimentId` (no files: add an image path as the test needs). */
export function storedRun(experimentId: string) {
  return db().run.create({
    data: {
      experimentId,
      yaml: "epochs: 3\n",
      model: "tiny-clip",
      seed: 1,
      status: "done",
      epochs: 3,
      epoch: 3,
    },
  });
}

export interface TestCaller {
  identity: Identity;
  cookie: string;
}

/** A visitor with a guest cookie: a presence name, the rights of an anonymous visitor. */
export function guest(): TestCaller {
  const identity = newGuest();
  return { identity, cookie: `${GUEST_COOKIE}=${encodeGuest(identity)}` };
}

/** A signed-in user (a User row and a live session; no password, which sessions do not need). */
export async function signedIn(name = `u${randomBytes(5).toString("hex")}`): Promise<TestCaller> {
  const user = await db().user.create({
    data: { username: name, displayName: name, color: "#60a5fa" },
  });
  const session = await createSession(user.id);
  return {
    identity: { id: user.id, name, color: user.color, kind: "user", sessionId: session.sessionId },
    cookie: `${SESSION_COOKIE}=${session.token}`,
  };
}

/** Makes `user` a member of an experiment with `role`. */
export async function share(experimentId: string, user: TestCaller, role: Role): Promise<void> {
  await db().member.upsert({
    where: { experimentId_userId: { experimentId, userId: user.identity.id } },
    create: { experimentId, userId: user.identity.id, role },
    update: { role },
  });
}

/** Headers a browser tab on the studio's own origin sends with its sockets. */
export const tabHeaders = (port: number, cookie?: string): Record<string, string> => ({
  origin: `http://127.0.0.1:${port}`,
  ...(cookie ? { cookie } : {}),
});

/** Serves `collab` at `/yjs/<id>` on a free local port, as the studio server routes upgrades. */
export async function serveYjs(
  collab: CollabServer,
): Promise<{ port: number; close(): Promise<void> }> {
  const http = createServer((_req, res) => res.end());
  http.on(
    "upgrade",
    (req, socket, head) => handleYjsUpgrade(collab, req, socket, head) || socket.destroy(),
  );
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  return {
    port: (http.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => http.close(() => resolve())),
  };
}

export type TabSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** The studio's Socket.IO client as a tab opens it: WebSocket only, its own connection, the tab's headers. */
export function tabSocket(
  port: number,
  headers: Record<string, string>,
  options: Partial<ManagerOptions & SocketOptions> = {},
): TabSocket {
  return connect(`http://127.0.0.1:${port}`, {
    transports: ["websocket"],
    extraHeaders: headers,
    forceNew: true,
    ...options,
  });
}

/** The studio's y-websocket client for document `room`, sending the tab's headers on the upgrade. */
export function yjsTab(
  port: number,
  room: string,
  headers: Record<string, string>,
  options: { doc?: Y.Doc; maxBackoffTime?: number } = {},
) {
  class TabWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers });
    }
  }
  const doc = options.doc ?? new Y.Doc();
  const provider = new WebsocketProvider(`ws://127.0.0.1:${port}/yjs`, room, doc, {
    WebSocketPolyfill: TabWebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    ...(options.maxBackoffTime === undefined ? {} : { maxBackoffTime: options.maxBackoffTime }),
  });
  return { doc, provider, text: doc.getText(YJS_TEXT_FIELD) };
}

/** Resolves once the provider has synced with the server (at once when it already has). */
export const synced = (provider: WebsocketProvider) =>
  new Promise<void>((resolve) =>
    provider.synced ? resolve() : provider.once("sync", (s: boolean) => s && resolve()),
  );
