/**
 * Socket.IO on the studio's HTTP server. The caller is identified from the handshake cookie; a
 * room `exp:<id>` is joined only after the role check; every payload is validated; replies use a
 * closed list of error codes. Runs are driven through the `RunService`; their events come back
 * through the `RoomHub`.
 */
import type { Server as HttpServer } from "node:http";
import { Server, type Socket } from "socket.io";
import { canRun, roleFor as defaultRoleFor } from "../auth/access";
import { identify, type Identity } from "../auth/identity";
import type { RunResult, RunService } from "../runs/service";
import { RoomHub } from "./room-hub";
import { PROTOCOL_VERSION, type ClientToServerEvents, type ErrorCode, type Role, type ServerToClientEvents } from "./protocol";
import { BadPayload, continuePayload, experimentRef, startPayload } from "./validate";

export interface SocketServerOptions {
  /** The embedded `RunService`, or the cluster's queue-backed runs (`server/cluster/cluster-runs.ts`). */
  runs: Pick<RunService, "subscribe" | "roomSnapshot" | "start" | "continue" | "update" | "control">;
  roleFor?: (identity: Identity | null, experimentId: string) => Promise<Role | null>;
  /** A frame not acknowledged within this long counts as acknowledged (default 5 s). */
  frameAckTimeoutMs?: number;
  /** Control events per socket: a bucket of `burst`, refilled at `perSecond`. */
  rate?: { burst: number; perSecond: number };
}

type ClientSocket = Socket<ClientToServerEvents, ServerToClientEvents>;
type Reply = (res: RunResult<object>) => void;

function bucket({ burst, perSecond }: { burst: number; perSecond: number }) {
  let tokens = burst;
  let at = Date.now();
  return () => {
    const now = Date.now();
    tokens = Math.min(burst, tokens + ((now - at) / 1000) * perSecond);
    at = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
}

export function createSocketServer(http: HttpServer, options: SocketServerOptions) {
  const io = new Server<ClientToServerEvents, ServerToClientEvents>(http, {
    path: "/socket.io",
    // Leave other upgrades (the Yjs endpoint, Next's HMR) to their own handlers.
    destroyUpgrade: false,
    maxHttpBufferSize: 1 << 20,
  });
  const hub = new RoomHub(io, options.frameAckTimeoutMs ?? 5000);
  const { runs } = options;
  const roleFor = options.roleFor ?? ((identity, id) => defaultRoleFor(identity, id));
  runs.subscribe(hub);

  io.on("connection", (socket: ClientSocket) => {
    const identity = identify(socket.handshake.headers.cookie);
    const allow = bucket(options.rate ?? { burst: 20, perSecond: 5 });

    /** Registers a handler that always answers: validation, rate limit and crashes become error codes. */
    const handle = (event: keyof ClientToServerEvents, handler: (payload: unknown) => Promise<RunResult<object>>) => {
      socket.on(event, async (payload: unknown, ack?: unknown) => {
        const reply: Reply =
          typeof ack === "function" ? (ack as Reply) : (res) => !res.ok && socket.emit("error", { code: res.code, message: res.message });
        if (!allow()) return reply({ ok: false, code: "rate_limited", message: "too many requests" });
        try {
          reply(await handler(payload));
        } catch (error) {
          if (error instanceof BadPayload) return reply({ ok: false, code: "bad_request", message: error.message });
          console.error(`realtime: ${event} failed:`, error);
          reply({ ok: false, code: "internal", message: "internal error" });
        }
      });
    };

    const refuse = (code: ErrorCode, message: string) => ({ ok: false as const, code, message });

    /** The caller's role, checked afresh; run controls also need to have joined the room. */
    const authorize = async (experimentId: string, need: "view" | "run") => {
      const role = await roleFor(identity, experimentId);
      if (!role) return refuse("not_found", "no such experiment");
      if (need === "run" && !hub.isMember(socket, experimentId)) return refuse("forbidden", "join the room first");
      if (need === "run" && !canRun(role)) return refuse("forbidden", "your role cannot run experiments");
      return { ok: true as const, role };
    };

    socket.emit("hello", { protocol: PROTOCOL_VERSION, server: "clipig-studio" });

    handle("room:join", async (payload) => {
      const { experimentId } = experimentRef(payload);
      const auth = await authorize(experimentId, "view");
      if (!auth.ok) return auth;
      // Join first, then read the state: a live run's state is read without a pause, so no event
      // can fall between the snapshot and the room's later events.
      await hub.join(socket, experimentId);
      const snapshot = await runs.roomSnapshot(experimentId);
      // The ack first, then the current frame: the client knows the run before its image arrives.
      setImmediate(() => snapshot.frame && hub.sendFrame(socket, experimentId, snapshot.frame));
      return { ok: true, state: { role: auth.role, run: snapshot.run, stats: snapshot.stats, history: snapshot.history } };
    });

    socket.on("room:leave", (payload: unknown) => {
      try {
        void hub.leave(socket, experimentRef(payload).experimentId);
      } catch {
        socket.emit("error", { code: "bad_request", message: "invalid room:leave payload" });
      }
    });

    handle("run:start", async (payload) => {
      const { experimentId, seed, model } = startPayload(payload);
      const auth = await authorize(experimentId, "run");
      return auth.ok ? runs.start(experimentId, { identity, seed, model }) : auth;
    });

    handle("run:continue", async (payload) => {
      const { experimentId, runId } = continuePayload(payload);
      const auth = await authorize(experimentId, "run");
      return auth.ok ? runs.continue(experimentId, runId) : auth;
    });

    handle("run:update", async (payload) => {
      const { experimentId } = experimentRef(payload);
      const auth = await authorize(experimentId, "run");
      return auth.ok ? runs.update(experimentId) : auth;
    });

    for (const action of ["pause", "resume", "stop"] as const) {
      handle(`run:${action}`, async (payload) => {
        const { experimentId } = experimentRef(payload);
        const auth = await authorize(experimentId, "run");
        return auth.ok ? runs.control(experimentId, action) : auth;
      });
    }

    socket.on("disconnect", () => hub.leaveAll(socket));
  });

  return { io, hub };
}
