/**
 * Composes the studio's one HTTP server: a page handler (Next.js in production), the image route
 * at /api/images/…, Socket.IO at /socket.io and the Yjs endpoint at /yjs/<experimentId>, all on
 * one port. At start it compacts Yjs updates a crash left behind and marks interrupted runs.
 * With `REDIS_URL` set it runs as one node of a cluster (`server/cluster/node.ts`).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { AddressInfo } from "node:net";
import { studioApi, type StudioApiOptions } from "./api";
import { crossSiteWrite, peerOf, requestPolicyFromEnv, type RequestPolicy } from "./auth/request";
import { clusterConfig, type ClusterConfig } from "./cluster/config";
import { clusterNode } from "./cluster/node";
import { accessExtension, closeOnRevocation } from "./collab/access";
import { CollabServer, type CollabOptions } from "./collab/collab-server";
import { databaseExtension } from "./collab/database";
import { handleYjsUpgrade } from "./collab/endpoint";
import { db } from "./db/client";
import { connectionCap, connectionCapsFromEnv, type ConnectionCapSettings } from "./net";
import { opsHandler } from "./ops/handler";
import { studioMetrics } from "./ops/studio-metrics";
import { dataDir } from "./db/url";
import { YJS_TEXT_FIELD } from "./realtime/protocol";
import type { RoomHub } from "./realtime/room-hub";
import { createSocketServer, type SocketServerOptions } from "./realtime/socket-server";
import type { AdmissionOptions } from "./runs/admission";
import { imageRoute } from "./runs/image-route";
import type { RunCoordinator } from "./runs/coordinator";
import { embeddedRuns } from "./runs/embedded";
import type { SpawnTrainerHost } from "./runs/ports";
import { runSettingsFromEnv, type EnvRunSettings } from "./runs/settings";
import { RunStore } from "./runs/store";
import { studioModels, type ModelPolicy } from "./models";
import type { StoreOptions } from "./engine/platform/model-store";

export interface StudioServerOptions {
  port: number;
  host?: string;
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Other upgrades (Next's dev HMR); default: refuse. */
  upgrade?(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Defaults: CLIPIG_DATA_DIR and the CLIPIG_FRAME_FPS / _FORMAT / CLIPIG_DEVICES settings. */
  dataDir?: string;
  runs?: Partial<EnvRunSettings> & {
    statsIntervalMs?: number;
    spawn?: SpawnTrainerHost;
    admission?: AdmissionOptions;
  };
  /** Rate limits of the /api/ routes (default: production values). */
  api?: Omit<StudioApiOptions, "dataDir" | "policy">;
  /** Origin and proxy trust for every channel (default: from the environment). */
  requestPolicy?: RequestPolicy;
  collab?: Pick<CollabOptions, "debounceMs" | "maxDebounceMs" | "maxMessageBytes">;
  frameAckTimeoutMs?: number;
  /** Socket.IO limits (default: production values). */
  sockets?: Pick<SocketServerOptions, "rate" | "runRate" | "maxMessageBytes">;
  /** Open Yjs / Socket.IO connections per client address (default: from the environment). */
  connections?: Partial<ConnectionCapSettings>;
  /** Cluster mode (default: from REDIS_URL; null: embedded). */
  cluster?: ClusterConfig | null;
  /** Model downloads from the studio (default: CLIPIG_MODEL_DOWNLOADS, CLIPIG_ADMINS, the store's env). */
  models?: { policy?: ModelPolicy; store?: StoreOptions; progressMs?: number };
}

export interface StudioServer {
  port: number;
  collab: CollabServer;
  runs: RunCoordinator;
  rooms: RoomHub;
  /** Interrupts live runs, stores every open document, closes every socket. */
  close(): Promise<void>;
}

export async function startStudioServer(opts: StudioServerOptions): Promise<StudioServer> {
  const dir = opts.dataDir ?? dataDir();
  const policy = opts.requestPolicy ?? requestPolicyFromEnv();
  const clusterSettings = opts.cluster === undefined ? clusterConfig() : opts.cluster;
  const cluster = clusterSettings ? await clusterNode(clusterSettings, dir) : null;
  const database = cluster?.database ?? databaseExtension();
  const recovered = await database.recover();
  if (recovered.length)
    console.log(`collab: compacted ${recovered.length} document(s) left by a crash`);
  const collab = new CollabServer({
    extensions: [accessExtension(), database, ...(cluster?.collabExtensions ?? [])],
    ...opts.collab,
    requestPolicy: opts.requestPolicy,
  });
  const unwatchCollab = closeOnRevocation(collab);

  const store = new RunStore();
  const readYaml = async (experimentId: string) => {
    const live = collab.liveText(experimentId, YJS_TEXT_FIELD);
    if (live !== null) return live;
    const row = await db().experiment.findUnique({
      where: { id: experimentId },
      select: { yaml: true },
    });
    return row?.yaml ?? null;
  };
  // Embedded: queue, bus and one executor per device slot in this process; in a cluster, GPU
  // workers execute what the BullMQ queue holds. The coordinator is the same either way.
  const embedded = cluster
    ? null
    : embeddedRuns({
        ...runSettingsFromEnv(),
        statsIntervalMs: 100,
        ...opts.runs,
        dataDir: dir,
        store,
        readYaml,
      });
  const runs = embedded?.coordinator ?? (await cluster!.createRuns({ store, readYaml }));
  const interrupted = await runs.recover();
  // A start whose model is missing waits in its room while someone allowed downloads it.
  const models = studioModels(runs, opts.models);
  if (interrupted)
    console.log(`runs: ${interrupted} run(s) interrupted by the restart can be continued`);

  // Health, readiness and metrics: the cluster node mounts its own (with Redis and queue figures).
  let live: { sockets: () => number } = { sockets: () => 0 };
  const ops = cluster
    ? null
    : opsHandler({
        checks: { database: () => db().$queryRaw`SELECT 1` },
        metrics: studioMetrics({
          runsQueued: async () => (await runs.counts()).waiting,
          runsActive: async () => (await runs.counts()).active,
          sockets: () => live.sockets(),
          yjsDocuments: () => collab.loadedCount,
        }).registry,
      });
  const images = imageRoute({ store, dataDir: dir });
  const api = studioApi({
    dataDir: dir,
    ...opts.api,
    // Views render the live text (what the editors see), admitted like a run's.
    views: { readYaml, admission: opts.runs?.admission, ...opts.api?.views },
    models: models.routes,
    policy: opts.requestPolicy,
  });
  const http = createServer((req, res) => {
    (cluster ? cluster.handle(req, res) : ops!(req, res))
      .then((handled) => handled || images(req, res))
      .then((handled) => handled || api(req, res))
      .then((handled) => {
        if (handled) return;
        // Server actions are POSTs to pages: like /api/ writes, they need our Origin.
        if (crossSiteWrite(req, policy))
          res
            .writeHead(403, { "content-type": "text/plain" })
            .end("cross-site request refused: state-changing requests need this site's Origin\n");
        else opts.handle(req, res);
      })
      .catch((error: unknown) => {
        // Any route may end here, so the label names the request (without its query), not a route.
        console.error(`http ${req.method} ${req.url?.split("?")[0]}:`, error);
        if (!res.headersSent) res.writeHead(500).end();
      });
  });
  const sockets = createSocketServer(http, {
    runs,
    frameAckTimeoutMs: opts.frameAckTimeoutMs,
    requestPolicy: opts.requestPolicy,
    models: models.rooms,
    ...opts.sockets,
  });
  const { io, hub } = sockets;
  live = { sockets: () => io.of("/").sockets.size };
  cluster?.attach(io, collab);
  // Every upgrade passes the per-address caps first: Socket.IO's engine (the only listener so far)
  // is taken off and called from here.
  http.removeAllListeners("upgrade");
  const caps = { ...connectionCapsFromEnv(), ...opts.connections };
  const yjsCap = connectionCap("Yjs", caps.yjs);
  const socketCap = connectionCap("Socket.IO", caps.sockets);
  http.on("upgrade", (req, socket, head) => {
    if (req.url?.startsWith("/socket.io/")) {
      if (socketCap.admit(peerOf(req, policy), socket)) io.engine.handleUpgrade(req, socket, head);
      return;
    }
    if (handleYjsUpgrade(collab, req, socket, head, (r, s) => yjsCap.admit(peerOf(r, policy), s)))
      return;
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
      await models.close();
      await (embedded ? embedded.close() : runs.close());
      unwatchCollab();
      await collab.close();
      // Closing the HTTP server waits for every connection to end; a page that keeps polling (the
      // models page, a studio tab) would hold it open forever, so those are cut after a grace.
      const force = setTimeout(() => http.closeAllConnections(), 3000);
      await sockets.close(); // also closes the HTTP server
      clearTimeout(force);
      await cluster?.close();
    },
  };
}
