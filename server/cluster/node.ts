/**
 * A web node in cluster mode, as the studio server composes it when `REDIS_URL` is set: merging
 * Yjs persistence + Yjs fan-out for the collaboration server, the run coordinator on BullMQ and
 * the Redis bus, the Socket.IO Redis adapter, revocations relayed to and from the other nodes,
 * `/healthz` `/readyz` `/metrics`, and stored images read through the shared store. Everything it
 * opens, `close()` closes (after the Socket.IO server).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Server } from "socket.io";
import type { CollabServer } from "../collab/collab-server";
import type { DatabaseExtension } from "../collab/database";
import type { Extension } from "../collab/types";
import { db } from "../db/client";
import { opsHandler } from "../ops/handler";
import { studioMetrics, type StudioMetrics } from "../ops/studio-metrics";
import { ID_PATTERN } from "../domain";
import { roomOf } from "../realtime/room-hub";
import { admissionFromEnv } from "../runs/admission";
import { IMAGE_FILE, IMAGE_URL_PREFIX, relativeImagePath } from "../runs/images";
import { localCache, type LocalCache } from "../storage/local-cache";
import { storageFromEnv } from "../storage/config";
import { accessRelay } from "./access-relay";
import { RunCoordinator, type CoordinatorOptions } from "../runs/coordinator";
import { BullRunQueue } from "./bull-queue";
import { redisBus } from "./redis-bus";
import type { ClusterConfig } from "./config";
import { closeRedis, connectRedis } from "./redis";
import { attachRedisAdapter, type AdapterHandle } from "./socket-adapter";
import { yjsFanout } from "./yjs-fanout";
import { clusterDatabaseExtension } from "./yjs-store";

export interface ClusterNode {
  config: ClusterConfig;
  database: DatabaseExtension;
  collabExtensions: Extension[];
  metrics: StudioMetrics;
  createRuns(options: Pick<CoordinatorOptions, "store" | "readYaml">): Promise<RunCoordinator>;
  /** Once the Socket.IO server exists: the adapter, local delivery and the socket/document gauges. */
  attach(io: Server, collab: CollabServer): void;
  /** Ops endpoints, and stored images fetched from the shared store before the image route reads them. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  close(): Promise<void>;
}

export async function clusterNode(config: ClusterConfig, dataDir: string): Promise<ClusterNode> {
  // One pub and one sub connection for the Yjs fan-out and the revocation relay.
  const pub = connectRedis(config.redisUrl, `node-pub:${config.nodeId}`);
  const sub = connectRedis(config.redisUrl, `node-sub:${config.nodeId}`);
  const fanout = yjsFanout({ pub, sub, prefix: config.prefix, nodeId: config.nodeId });
  const relay = await accessRelay({ pub, sub, prefix: config.prefix, nodeId: config.nodeId }).catch(
    async (error: unknown) => {
      await fanout.close();
      await closeRedis(pub, sub);
      throw error;
    },
  );
  const imageStore = storageFromEnv(process.env, dataDir);
  const cache: LocalCache = localCache(imageStore, dataDir);
  let runs: RunCoordinator | null = null;
  let io: Server | null = null;
  let collab: CollabServer | null = null;
  let adapter: AdapterHandle | null = null;

  const metrics = studioMetrics({
    runsQueued: async () => (runs ? (await runs.counts()).waiting : 0),
    runsActive: async () => (runs ? (await runs.counts()).active : 0),
    sockets: () => io?.of("/").sockets.size ?? 0,
    yjsDocuments: () => collab?.loadedCount ?? 0,
  });
  const ops = opsHandler({
    checks: {
      database: () => db().$queryRaw`SELECT 1`,
      redis: () => pub.ping(),
    },
    metrics: metrics.registry,
  });

  return {
    config,
    database: clusterDatabaseExtension(),
    collabExtensions: [fanout],
    metrics,
    async createRuns(options) {
      const { redisUrl, prefix, nodeId } = config;
      const bus = redisBus({ redisUrl, prefix, name: nodeId });
      runs = new RunCoordinator({
        ...options,
        queue: new BullRunQueue({ redisUrl, prefix }),
        bus,
        dataDir,
        admission: admissionFromEnv(dataDir, imageStore),
        ensureLocal: (relative) => cache.ensureLocal(relative),
        onFrame: (experimentId) =>
          metrics.framesSent.inc(io?.of("/").adapter.rooms.get(roomOf(experimentId))?.size ?? 0),
        onStats: (runId, stats) =>
          stats
            ? metrics.stepsPerSecond.set(runId, stats.epochsPerSecond)
            : metrics.stepsPerSecond.delete(runId),
      });
      await bus.ready();
      return runs;
    },
    attach(server, collabServer) {
      io = server;
      collab = collabServer;
      adapter = attachRedisAdapter(server as unknown as Server, config.redisUrl, config.prefix);
    },
    async handle(req, res) {
      if (await ops(req, res)) return true;
      const pathname = (req.url ?? "").split("?")[0];
      if (pathname.startsWith(IMAGE_URL_PREFIX)) {
        const [runId, file, ...rest] = pathname.slice(IMAGE_URL_PREFIX.length).split("/");
        // Only names the image route would accept; it still checks the run and the caller's role.
        if (!rest.length && ID_PATTERN.test(runId ?? "") && IMAGE_FILE.test(file ?? "")) {
          await cache.ensureLocal(relativeImagePath(runId, file)).catch(() => undefined);
        }
      }
      return false;
    },
    async close() {
      await relay.close();
      await fanout.close();
      await adapter?.close();
      await closeRedis(pub, sub);
    },
  };
}
