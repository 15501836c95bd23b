"use client";
/**
 * The experiment's Socket.IO room: run state, statistics, snapshots and frames for everyone
 * watching, plus the run commands. Joins (again after every reconnect) and fills the charts from
 * the room state the server sends on join, so a latecomer sees the run as it stands.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { io, type Socket } from "socket.io-client";
import type {
  ClientToServerEvents,
  RunStats,
  ServerToClientEvents,
} from "@/server/realtime/protocol";
import type {
  Diagnostic,
  ErrorCode,
  HistoryPoint,
  ModelAccess,
  ModelNeed,
  Role,
  RunState,
} from "@/server/domain";
import { FrameSink } from "./frame-sink";
import { protocolMismatch } from "./protocol-version";

type StudioSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface SnapshotItem {
  id: string;
  runId: string;
  epoch: number;
  url: string;
}

export interface RoomProblem {
  code: ErrorCode | "disconnected";
  message: string;
  diagnostics?: Diagnostic[];
}

export type RunCommand =
  "run:start" | "run:update" | "run:pause" | "run:resume" | "run:stop" | "run:continue";

/** The missing-model panel's actions (download, or stop the download). */
export type ModelCommand = "model:pull" | "model:cancel";

/** Cap on chart points kept in the page; older points are thinned, never the newest. */
const MAX_POINTS = 2000;

export function historyPoint(stats: RunStats): HistoryPoint {
  return {
    epoch: stats.epoch,
    loss: stats.loss,
    similarities: stats.features.map((f) => f.similarity.mean),
  };
}

/** Appends points in epoch order: a repeated epoch replaces its point, an earlier one starts over. */
export function appendPoints(history: HistoryPoint[], points: HistoryPoint[]): HistoryPoint[] {
  const next = [...history];
  for (const point of points) {
    const last = next.at(-1);
    if (last && point.epoch < last.epoch) next.length = 0;
    else if (last?.epoch === point.epoch) next.pop();
    next.push(point);
  }
  return next.length > MAX_POINTS
    ? next.filter((_, i) => i % 2 === 0 || i === next.length - 1)
    : next;
}

export function useRoom(experimentId: string, initialSnapshots: SnapshotItem[]) {
  const sink = useRef(new FrameSink()).current;
  const socketRef = useRef<StudioSocket | null>(null);
  const [connected, setConnected] = useState(false);
  const [role, setRole] = useState<Role | null>(null);
  const [run, setRun] = useState<RunState | null>(null);
  const [stats, setStats] = useState<RunStats | null>(null);
  const [history, setHistory] = useState<HistoryPoint[]>([]);
  const [snapshots, setSnapshots] = useState<SnapshotItem[]>(initialSnapshots);
  const [problem, setProblem] = useState<RoomProblem | null>(null);
  const [frames, setFrames] = useState(0);
  const [modelNeed, setModelNeed] = useState<ModelNeed | null>(null);
  const [modelAccess, setModelAccess] = useState<ModelAccess | null>(null);
  /** The server speaks another protocol (deployed while the tab was open): the socket is closed. */
  const [outdated, setOutdated] = useState(false);

  useEffect(() => {
    // WebSocket only: the server refuses long-polling (its handshake checks the Origin of an upgrade).
    const socket: StudioSocket = io({ path: "/socket.io", transports: ["websocket"] });
    socketRef.current = socket;
    const mine = <T extends { experimentId?: string }>(p: T) => p.experimentId === experimentId;

    // The server greets every connection (reconnects included) with its protocol version: join
    // only a server that speaks this build's protocol; on another, close and offer a reload.
    socket.on("hello", (hello) => {
      if (protocolMismatch(hello)) {
        setOutdated(true);
        socket.disconnect();
        return;
      }
      // "Connected" means in the room: a command sent before the join is answered would start a run
      // whose status broadcasts this socket is not yet in the room to hear.
      socket.emit("room:join", { experimentId }, (res) => {
        if (!res.ok) {
          setProblem({ code: res.code, message: res.message });
          return;
        }
        setConnected(true);
        setProblem(null);
        setRole(res.state.role);
        setRun(res.state.run);
        setStats(res.state.stats);
        setHistory(res.state.history.slice(-MAX_POINTS));
        setModelNeed(res.state.model ?? null);
        setModelAccess(res.state.modelAccess ?? null);
      });
    });
    socket.on("model:need", (p) => mine(p) && setModelNeed(p.need));
    socket.on("disconnect", () => setConnected(false));
    socket.on("status", (p) => {
      if (!mine(p)) return;
      setRun((prev) => {
        if (p.run.runId !== prev?.runId && p.run.status !== "done") {
          setHistory([]);
          setStats(null);
        }
        return p.run;
      });
    });
    socket.on("stats", (p) => {
      if (!mine(p)) return;
      setStats(p.stats);
      // `history` carries every epoch since the previous stats event, so charts miss none.
      setHistory((h) => appendPoints(h, p.history?.length ? p.history : [historyPoint(p.stats)]));
      setRun((r) =>
        r && r.runId === p.runId ? { ...r, epoch: p.stats.epoch, epochs: p.stats.epochs } : r,
      );
    });
    socket.on("frame", (p, ack) => {
      if (!mine(p)) {
        ack();
        return;
      }
      void sink.push(p, p.data, ack).then(() => setFrames(sink.count));
    });
    socket.on("snapshot", (p) => {
      if (!mine(p)) return;
      setSnapshots((s) =>
        s.some((x) => x.id === p.snapshotId)
          ? s
          : [...s, { id: p.snapshotId, runId: p.runId, epoch: p.epoch, url: p.url }],
      );
    });
    socket.on("done", (p) => {
      if (!mine(p)) return;
      setRun((r) => (r && r.runId === p.runId ? { ...r, status: "done", epoch: r.epochs } : r));
    });
    // The server cuts sockets whose access shrank: start over with what is left (or a 404).
    socket.on("access:revoked", (p) => {
      if (!p.experimentId || p.experimentId === experimentId) window.location.reload();
    });
    socket.on("error", (p) => {
      if (p.experimentId && p.experimentId !== experimentId) return;
      setProblem({ code: p.code, message: p.message });
    });
    return () => {
      socket.emit("room:leave", { experimentId });
      socket.disconnect();
      socketRef.current = null;
    };
  }, [experimentId, sink]);

  const command = useCallback(
    (event: RunCommand | ModelCommand, extra: { model?: string } = {}): Promise<boolean> =>
      new Promise((resolve) => {
        const socket = socketRef.current;
        if (!socket?.connected) {
          setProblem({
            code: "disconnected",
            message: "Not connected to the studio server; retrying…",
          });
          resolve(false);
          return;
        }
        socket
          .timeout(15_000)
          .emit(
            event as "run:start",
            { experimentId, ...extra },
            (
              err: Error | null,
              res: Parameters<Parameters<ClientToServerEvents["run:start"]>[1]>[0],
            ) => {
              if (err) {
                setProblem({
                  code: "internal",
                  message: `No answer to ${event.split(":")[1]}; is the server busy?`,
                });
                resolve(false);
              } else if (!res.ok) {
                // A missing model is the room's panel (model:need), not an error.
                if (res.code !== "model_missing")
                  setProblem({
                    code: res.code,
                    message: res.message,
                    diagnostics: res.diagnostics,
                  });
                resolve(false);
              } else {
                setProblem(null);
                resolve(true);
              }
            },
          );
      }),
    [experimentId],
  );

  return {
    sink,
    connected,
    role,
    run,
    stats,
    history,
    snapshots,
    problem,
    frames,
    command,
    modelNeed,
    modelAccess,
    outdated,
    dismissProblem: () => setProblem(null),
  };
}
