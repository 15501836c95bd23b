/**
 * Rooms `exp:<id>` and what flows into them from runs. Most events are room broadcasts to this
 * node's sockets (`io.local`: in a cluster every node hears each run event itself, so a broadcast
 * through the adapter would reach other nodes' viewers twice); frames go socket by socket through
 * a `FrameChannel` each (latest wins per client).
 */
import type { Server, Socket } from "socket.io";
import type { EpochStats } from "../engine/trainer/api";
import type { RunSink } from "../runs/active-run";
import { FrameChannel } from "./frame-channel";
import { toWireStats } from "./wire-stats";
import type { ClientToServerEvents, ExperimentRef, ServerToClientEvents } from "./protocol";
import type { ErrorCode, FramePayload, HistoryPoint, RunState } from "../domain";

type IO = Server<ClientToServerEvents, ServerToClientEvents>;
type ClientSocket = Socket<ClientToServerEvents, ServerToClientEvents>;
type RoomFrame = ExperimentRef & FramePayload;

export const roomOf = (experimentId: string) => `exp:${experimentId}`;

export class RoomHub implements RunSink {
  private readonly members = new Map<string, Map<ClientSocket, FrameChannel<RoomFrame>>>();

  constructor(
    private readonly io: IO,
    private readonly ackTimeoutMs: number,
  ) {}

  async join(socket: ClientSocket, experimentId: string): Promise<void> {
    await socket.join(roomOf(experimentId));
    let room = this.members.get(experimentId);
    if (!room) this.members.set(experimentId, (room = new Map()));
    if (room.has(socket)) return;
    room.set(
      socket,
      new FrameChannel<RoomFrame>((frame, acked) =>
        socket.timeout(this.ackTimeoutMs).emit("frame", frame, () => acked()),
      ),
    );
  }

  isMember(socket: ClientSocket, experimentId: string): boolean {
    return this.members.get(experimentId)?.has(socket) ?? false;
  }

  async leave(socket: ClientSocket, experimentId: string): Promise<void> {
    await socket.leave(roomOf(experimentId));
    const room = this.members.get(experimentId);
    room?.delete(socket);
    if (room?.size === 0) this.members.delete(experimentId);
  }

  leaveAll(socket: ClientSocket): void {
    for (const [experimentId, room] of this.members) {
      room.delete(socket);
      if (room.size === 0) this.members.delete(experimentId);
    }
  }

  /** One client's frame (the joiner's current frame), through its own channel. */
  sendFrame(socket: ClientSocket, experimentId: string, frame: FramePayload): void {
    this.members
      .get(experimentId)
      ?.get(socket)
      ?.offer({ experimentId, ...frame });
  }

  viewers(experimentId: string): number {
    return this.members.get(experimentId)?.size ?? 0;
  }

  status(experimentId: string, run: RunState): void {
    this.io.local.to(roomOf(experimentId)).emit("status", { experimentId, run });
  }

  frame(experimentId: string, frame: FramePayload): void {
    const room = this.members.get(experimentId);
    if (!room) return;
    const payload = { experimentId, ...frame };
    for (const channel of room.values()) channel.offer(payload);
  }

  stats(experimentId: string, runId: string, stats: EpochStats, history: HistoryPoint[]): void {
    this.io.local
      .to(roomOf(experimentId))
      .emit("stats", { experimentId, runId, stats: toWireStats(stats), history });
  }

  snapshot(
    experimentId: string,
    snapshot: { runId: string; snapshotId: string; epoch: number; url: string },
  ): void {
    this.io.local.to(roomOf(experimentId)).emit("snapshot", { experimentId, ...snapshot });
  }

  done(experimentId: string, done: { runId: string; url: string }): void {
    this.io.local.to(roomOf(experimentId)).emit("done", { experimentId, ...done });
  }

  error(experimentId: string, code: ErrorCode, message: string): void {
    this.io.local.to(roomOf(experimentId)).emit("error", { experimentId, code, message });
  }
}
