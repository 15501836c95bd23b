/**
 * Socket.IO on the studio's HTTP server. Checked at the handshake — the page must be on our own
 * origin (cross-site WebSocket hijacking), WebSocket transport only, the caller resolved once from
 * the session cookie — AND on every event: a closed list of events, a per-socket rate limit, the
 * payload measured and schema-checked, the role looked up afresh (`roleFor`), run controls only
 * from a socket that joined the room. Replies use a closed list of error codes. When someone's
 * access shrinks (`onAccessRevoked`, from this node or relayed from another), their sockets on
 * this node are told why and disconnected.
 */
import type { Server as HttpServer } from "node:http";
import { Server, type Socket } from "socket.io";
import { onAccessRevoked, type AccessRevoked } from "../accounts";
import { canRun, roleFor as defaultRoleFor } from "../auth/access";
import { identify as defaultIdentify, rightsId, type Identity } from "../auth/identity";
import { requestPolicyFromEnv, sameOrigin, type RequestPolicy } from "../auth/request";
import { keyedRateLimiter, rateLimiter, type RateOptions } from "../limits";
import type { RoomRuns, RunResult } from "../runs/coordinator";
import type { RoomModels } from "../models/room-models";
import { RoomHub, roomOf } from "./room-hub";
import { toWireStats } from "./wire-stats";
import {
  PROTOCOL_VERSION,
  type AccessChange,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from "./protocol";
import type { ErrorCode, Role } from "../domain";
import {
  BadPayload,
  checkPayload,
  isClientEvent,
  type ClientEvent,
  type PayloadOf,
} from "./validate";

export interface SocketServerOptions {
  /** The run coordinator (`server/runs/coordinator.ts`), whatever its adapters. */
  runs: RoomRuns;
  roleFor?: (identity: Identity | null, experimentId: string) => Promise<Role | null>;
  identify?: (cookieHeader: string | undefined) => Promise<Identity | null>;
  /** Origin check at the handshake (default: from the environment). */
  requestPolicy?: RequestPolicy;
  /** A frame not acknowledged within this long counts as acknowledged (default 5 s). */
  frameAckTimeoutMs?: number;
  /** Events per socket: a bucket of `burst`, refilled at `perSecond`. */
  rate?: Pick<RateOptions, "burst" | "perSecond">;
  /** Run starts and continues per signed-in user, over all their sockets. */
  runRate?: Pick<RateOptions, "burst" | "perSecond">;
  /** Largest Socket.IO message; client payloads are tiny (default 16 KiB). */
  maxMessageBytes?: number;
  /** Starts that wait for a missing model, and its download from the room (`server/models`). */
  models?: RoomModels;
}

interface SocketData {
  identity: Identity | null;
}

type ClientSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;
type Reply = (res: RunResult<object>) => void;

const refuse = (code: ErrorCode, message: string) => ({ ok: false as const, code, message });

export function createSocketServer(http: HttpServer, options: SocketServerOptions) {
  const policy = options.requestPolicy ?? requestPolicyFromEnv();
  const identify = options.identify ?? defaultIdentify;
  const roleFor = options.roleFor ?? defaultRoleFor;
  const io = new Server<
    ClientToServerEvents,
    ServerToClientEvents,
    Record<string, never>,
    SocketData
  >(http, {
    path: "/socket.io",
    // Leave other upgrades (the Yjs endpoint, Next's HMR) to their own handlers.
    destroyUpgrade: false,
    serveClient: false,
    // The studio needs WebSockets for Yjs anyway; no long-polling means no cookie-bearing GETs without an Origin.
    transports: ["websocket"],
    maxHttpBufferSize: options.maxMessageBytes ?? 16 * 1024,
    allowRequest: (req, callback) =>
      callback(sameOrigin(req, policy) ? null : "origin not allowed", sameOrigin(req, policy)),
  });
  const hub = new RoomHub(io, options.frameAckTimeoutMs ?? 5000);
  const { runs } = options;
  const runStarts = keyedRateLimiter({
    burst: 5,
    perSecond: 0.2,
    maxKeys: 10_000,
    ...options.runRate,
  });
  runs.subscribe(hub);
  const { models } = options;
  models?.attach((experimentId, need) =>
    io.to(roomOf(experimentId)).emit("model:need", { experimentId, need }),
  );

  io.use((socket, next) => {
    identify(socket.handshake.headers.cookie)
      .then((identity) => {
        socket.data.identity = identity;
        next();
      })
      .catch(() => next(new Error("internal")));
  });

  io.on("connection", (socket: ClientSocket) => {
    const identity = socket.data.identity;
    const allow = rateLimiter({ burst: 20, perSecond: 5, ...options.rate });

    /** The caller's role, checked afresh; run controls also need to have joined the room. */
    const authorize = async (experimentId: string, need: "view" | "run") => {
      const role = await roleFor(identity, experimentId);
      if (!role) return refuse("not_found", "no such experiment");
      if (need === "run" && !hub.isMember(socket, experimentId))
        return refuse("forbidden", "join the room first");
      if (need === "run" && !canRun(role))
        return refuse("forbidden", `your role (${role}) cannot run experiments`);
      return { ok: true as const, role };
    };

    // Every incoming event passes here first: unknown events and floods never reach a handler.
    socket.use(([event, ...args], next) => {
      const ack = args.at(-1);
      const reply: Reply =
        typeof ack === "function"
          ? (ack as Reply)
          : (res) => !res.ok && socket.emit("error", { code: res.code, message: res.message });
      if (!allow.take()) return reply(refuse("rate_limited", "too many requests"));
      if (!isClientEvent(event)) return reply(refuse("bad_request", "unknown event"));
      next();
    });

    /** Registers a handler that always answers: validation and crashes become error codes. */
    const handle = <E extends ClientEvent>(
      event: E,
      handler: (payload: PayloadOf<E>) => Promise<RunResult<object>>,
    ) => {
      socket.on(event as never, async (...args: unknown[]) => {
        // Functions cannot arrive over the wire: a trailing one is the ack, even with no payload before it.
        const ack = typeof args.at(-1) === "function" ? args.pop() : undefined;
        const reply: Reply =
          typeof ack === "function"
            ? (ack as Reply)
            : (res) => !res.ok && socket.emit("error", { code: res.code, message: res.message });
        try {
          reply(await handler(checkPayload(event, args[0])));
        } catch (error) {
          if (error instanceof BadPayload) return reply(refuse("bad_request", error.message));
          console.error(`realtime: ${event} failed:`, error);
          reply(refuse("internal", "internal error"));
        }
      });
    };

    socket.emit("hello", { protocol: PROTOCOL_VERSION, server: "clipig-studio" });

    handle("room:join", async ({ experimentId }) => {
      const auth = await authorize(experimentId, "view");
      if (!auth.ok) return auth;
      // Join first, then read the state: a live run's state is read without a pause, so no event
      // can fall between the snapshot and the room's later events.
      await hub.join(socket, experimentId);
      const snapshot = await runs.roomSnapshot(experimentId);
      // The ack first, then the current frame: the client knows the run before its image arrives.
      setImmediate(() => snapshot.frame && hub.sendFrame(socket, experimentId, snapshot.frame));
      return {
        ok: true,
        state: {
          role: auth.role,
          run: snapshot.run,
          stats: snapshot.stats && toWireStats(snapshot.stats),
          history: snapshot.history,
          ...(models
            ? { model: models.need(experimentId), modelAccess: await models.access(identity) }
            : {}),
        },
      };
    });

    handle("room:leave", async ({ experimentId }) => {
      await hub.leave(socket, experimentId);
      return { ok: true };
    });

    /** Starting work costs the user (not the socket) a token: many tabs do not multiply the quota. */
    const startAllowed = () => runStarts.take(rightsId(identity) ?? socket.id);

    handle("run:start", async ({ experimentId, seed, model }) => {
      const auth = await authorize(experimentId, "run");
      if (!auth.ok) return auth;
      if (!startAllowed()) return refuse("rate_limited", "too many run starts; wait a little");
      const start = { identity, seed, model };
      return models ? models.start(experimentId, start) : runs.start(experimentId, start);
    });

    // A waiting start's model (or, before Start, the live text's): anyone in the room whom the
    // server lets download may fetch it.
    for (const action of ["pull", "cancel"] as const) {
      handle(`model:${action}`, async (payload) => {
        const { experimentId } = payload;
        const auth = await authorize(experimentId, "view");
        if (!auth.ok) return auth;
        if (!hub.isMember(socket, experimentId)) return refuse("forbidden", "join the room first");
        if (!models) return refuse("bad_request", "this server does not download models");
        return action === "pull"
          ? models.pull(experimentId, identity, "model" in payload ? payload.model : undefined)
          : models.cancel(experimentId, identity);
      });
    }

    handle("run:continue", async ({ experimentId, runId }) => {
      const auth = await authorize(experimentId, "run");
      if (!auth.ok) return auth;
      if (!startAllowed()) return refuse("rate_limited", "too many run starts; wait a little");
      return runs.continue(experimentId, runId, identity);
    });

    handle("run:update", async ({ experimentId }) => {
      const auth = await authorize(experimentId, "run");
      return auth.ok ? runs.update(experimentId) : auth;
    });

    for (const action of ["pause", "resume", "stop"] as const) {
      handle(`run:${action}`, async ({ experimentId }) => {
        const auth = await authorize(experimentId, "run");
        return auth.ok ? runs.control(experimentId, action) : auth;
      });
    }

    socket.on("disconnect", () => hub.leaveAll(socket));
  });

  const unwatch = onAccessRevoked(
    (event) =>
      void cutRevoked(io, event, roleFor).catch((error: unknown) =>
        console.error("realtime: revocation failed:", error),
      ),
  );
  /** Stops listening for revocations, then closes every socket (and the HTTP server). */
  const close = async () => {
    unwatch();
    await io.close();
  };
  return { io, hub, close };
}

type IO = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/**
 * Tells each socket that lost access why, then disconnects it (the page reloads with what is left).
 * This node's sockets only (`io.local`): in a cluster every node hears the event itself
 * (`server/cluster/access-relay.ts`), so asking the adapter for the others' sockets would cut each
 * of them once per node, with a request to every node.
 */
async function cutRevoked(
  io: IO,
  event: AccessRevoked,
  roleFor: (identity: Identity | null, experimentId: string) => Promise<Role | null>,
): Promise<void> {
  const cut = (
    socket: { emit: IO["emit"]; disconnect(close?: boolean): void },
    reason: AccessChange,
    experimentId?: string,
  ) => {
    socket.emit("access:revoked", { ...(experimentId ? { experimentId } : {}), reason });
    socket.disconnect(true);
  };
  if (event.kind === "sessions") {
    const ended = new Set(event.sessionIds);
    for (const socket of await io.local.fetchSockets())
      if (ended.has(socket.data.identity?.sessionId ?? "")) cut(socket, "signed_out");
    return;
  }
  const sockets = await io.local.in(roomOf(event.experimentId)).fetchSockets();
  if (event.kind === "member") {
    for (const socket of sockets)
      if (rightsId(socket.data.identity) === event.userId)
        cut(socket, event.role ? "changed" : "removed", event.experimentId);
    return;
  }
  // Went private: whoever has no role now is out.
  await Promise.all(
    sockets.map(async (socket) => {
      if ((await roleFor(socket.data.identity, event.experimentId)) === null)
        cut(socket, "removed", event.experimentId);
    }),
  );
}
