/**
 * Composes the studio's one HTTP server: a page handler (Next.js in production), the image route
 * at /api/images/…, Socket.IO at /socket.io and the Yjs endpoint at /yjs/<experimentId>, all on
 * one port. At start it compacts Yjs updates a crash left behind and marks interrupted runs.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { AddressInfo } from "node:net";
import { accessExtension } from "./collab/access";
import { CollabServer, type CollabOptions } from "./collab/collab-server";
import { databaseExtension } from "./collab/database";
import { handleYjsUpgrade } from "./collab/endpoint";
import { db } from "./db/client";
import { dataDir } from "./db/url";
import { YJS_TEXT_FIELD } from "./realtime/protocol";
import type { RoomHub } from "./realtime/room-hub";
import { createSocketServer } from "./realtime/socket-server";
import { imageRoute } from "./runs/image-route";
import { spawnProcessWorker, type SpawnWorker } from "./runs/run-worker";
import { RunService } from "./runs/service";
import { runSettingsFromEnv, type EnvRunSettings } from "./runs/settings";
import { RunStore } from "./runs/store";

export interface StudioServerOptions {
  port: number;
  host?: string;
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Other upgrades (Next's dev HMR); default: refuse. */
  upgrade?(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Defaults: CLIPIG_DATA_DIR and the CLIPIG_FRAME_FPS / _FORMAT / CLIPIG_DEVICES settings. */
  dataDir?: string;
  runs?: Partial<EnvRunSettings> & { statsIntervalMs?: number; spawn?: SpawnWorker };
  collab?: Pick<CollabOptions, "debounceMs" | "maxDebounceMs" | "maxMessageBytes">;
  frameAckTimeoutMs?: number;
}

export interface StudioServer {
  port: number;
  collab: CollabServer;
  runs: RunService;
  rooms: RoomHub;
  /** Interrupts live runs, stores every open document, closes every socket. */
  close(): Promise<void>;
}

export async function startStudioServer(opts: StudioServerOptions): Promise<StudioServer> {
  const dir = opts.dataDir ?? dataDir();
  const database = databaseExtension();
  const recovered = await database.recover();
  if (recovered.length) console.log(`collab: compacted ${recovered.length} document(s) left by a crash`);
  const collab = new CollabServer({ extensions: [accessExtension(), database], ...opts.collab });

  const store = new RunStore();
  const runs = new RunService({
    ...runSettingsFromEnv(),
    statsIntervalMs: 100,
    spawn: spawnProcessWorker,
    ...opts.runs,
    dataDir: dir,
    store,
    async readYaml(experimentId) {
      const live = collab.liveText(experimentId, YJS_TEXT_FIELD);
      if (live !== null) return live;
      const row = await db().experiment.findUnique({ where: { id: experimentId }, select: { yaml: true } });
      return row?.yaml ?? null;
    },
  });
  const interrupted = await runs.recover();
  if (interrupted) console.log(`runs: ${interrupted} run(s) interrupted by the restart can be continued`);

  const images = imageRoute({ store, dataDir: dir });
  const http = createServer((req, res) => {
    images(req, res)
      .then((handled) => handled || opts.handle(req, res))
      .catch((error: unknown) => {
        console.error("images:", error);
        if (!res.headersSent) res.writeHead(500).end();
      });
  });
  const { io, hub } = createSocketServer(http, { runs, frameAckTimeoutMs: opts.frameAckTimeoutMs });
  http.on("upgrade", (req, socket, head) => {
    if (req.url?.startsWith("/socket.io")) return; // Socket.IO's own listener handles it
    if (handleYjsUpgrade(collab, req, socket, head)) return;
    if (opts.upgrade) opts.upgrade(req, socket, head);
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(opts.port, opts.host ?? "0.0.0.0", resolve);
  });
  return {
    port: (http.address() as AddressInfo).port,
    collab,
    runs,
    rooms: hub,
    async close() {
      await runs.close();
      await collab.close();
      await io.close(); // also closes the HTTP server
    },
  };
}
