/**
 * The web node's runs in cluster mode: the same calls the socket server makes on `RunService`, but
 * runs are executed by GPU workers through the BullMQ queue. The node validates, pins and queues a
 * run, forwards controls to whichever worker holds it, and delivers the run's events (arriving from
 * Redis) to the sockets of the room on this node only — every node gets every event and serves
 * its own viewers, so a room spread over nodes sees one copy of each.
 */
import { randomUUID } from "node:crypto";
import type { Server } from "socket.io";
import type { Identity } from "../auth/identity";
import type { EpochStats } from "../engine/trainer/api";
import type { FramePayload, RunState } from "../domain";
import { roomOf } from "../realtime/room-hub";
import type { RunSink } from "../runs/active-run";
import type { AdmissionOptions } from "../runs/admission";
import { admitCurrent, fail, pinNewRun, readmitRun, type RunResult } from "../runs/pin";
import type { RoomSnapshot, RunService } from "../runs/service";
import { LIVE_STATUSES, type RunStore } from "../runs/store";
import { db } from "../db/client";
import { closeRedis, connectRedis, type Redis } from "./redis";
import {
  channels,
  decodeEvent,
  liveKeys,
  type ControlMessage,
  type ControlReply,
  type RunEventMessage,
} from "./run-events";
import { decodeLiveFrame, RunPublisher } from "./run-publisher";
import { RunQueue } from "./run-queue";

export interface ClusterRunsOptions {
  redisUrl: string;
  prefix: string;
  nodeId: string;
  store: RunStore;
  /** The experiment's current YAML (live Yjs text when loaded here); null when it does not exist. */
  readYaml(experimentId: string): Promise<string | null>;
  /** Limits, quotas and image vetting, as the embedded `RunService` applies them. */
  admission: AdmissionOptions;
  /** Answers rooms whose run no worker holds: the stored final image or last snapshot. */
  stored: Pick<RunService, "roomSnapshot">;
  /** Before reading a stored image from the data dir (shared storage fills the local copy). */
  ensureLocal?(relativePath: string): Promise<void>;
  /** Frames handed to this node's viewers, for metrics. */
  onFramesSent?(count: number, experimentId: string): void;
  onStats?(runId: string, stats: EpochStats | null): void;
  updateTimeoutMs?: number;
}

const HISTORY_IN_ACK = 2000;
const isLive = (status: string | undefined) =>
  !!status && (LIVE_STATUSES as readonly string[]).includes(status);

export class ClusterRuns {
  readonly queue: RunQueue;
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly publisher: RunPublisher;
  private readonly sinks: RunSink[] = [];
  private io: Server | null = null;
  /** The newest run state seen per experiment (events and joins): what sync controls act on. */
  private readonly known = new Map<string, RunState>();
  private readonly replies = new Map<string, (reply: ControlReply) => void>();
  private readonly names: ReturnType<typeof channels>;

  constructor(private readonly options: ClusterRunsOptions) {
    this.names = channels(options.prefix);
    this.queue = new RunQueue(options.redisUrl, options.prefix);
    this.pub = connectRedis(options.redisUrl, `runs-pub:${options.nodeId}`);
    this.sub = connectRedis(options.redisUrl, `runs-sub:${options.nodeId}`);
    this.publisher = new RunPublisher(this.pub, options.prefix);
    this.sub.on("messageBuffer", (channel: Buffer, message: Buffer) =>
      this.onMessage(channel.toString(), message),
    );
  }

  /** Subscribes to run events and replies; resolves once Redis confirmed. */
  async ready(): Promise<void> {
    await this.sub.subscribe(this.names.events, this.names.reply(this.options.nodeId));
  }

  /** Receives every run event delivered on this node (frames always; the rest until `deliverLocally`). */
  subscribe(sink: RunSink): void {
    this.sinks.push(sink);
  }

  /** Room events then go straight to this node's sockets (`io.local`), frames still through the sinks' per-socket channels. */
  deliverLocally(io: Server): void {
    this.io = io;
  }

  /** At start-up: live runs the queue no longer knows (Redis was emptied) are interrupted; the rest belong to workers. */
  async recover(): Promise<number> {
    const live = await db().run.findMany({
      where: { status: { in: [...LIVE_STATUSES] } },
      select: { id: true },
    });
    let interrupted = 0;
    for (const run of live) {
      if (await this.queue.has(run.id)) continue;
      await this.options.store.update(run.id, { status: "interrupted" });
      interrupted++;
    }
    return interrupted;
  }

  async start(
    experimentId: string,
    opts: { identity: Identity | null; seed?: number; model?: string },
  ): Promise<RunResult<{ runId: string }>> {
    return this.exclusively<{ runId: string }>(experimentId, async () => {
      // The worker vets the images again when it starts the run (it never trusts bytes from here).
      const pinned = await pinNewRun(this.options, experimentId, opts);
      if (!pinned.ok) return pinned;
      const { runId, model, config } = pinned;
      await this.queue.enqueue({
        runId,
        experimentId,
        model,
        epoch: config.start_epoch,
        epochs: config.epochs,
      });
      this.publisher.positions(await this.queue.waiting());
      return { ok: true, runId };
    });
  }

  /** Continues a stopped or interrupted run from its last snapshot: the worker that takes it resumes there. */
  async continue(
    experimentId: string,
    runId?: string,
    identity: Identity | null = null,
  ): Promise<RunResult<{ runId: string }>> {
    return this.exclusively<{ runId: string }>(experimentId, async () => {
      const admitted = await readmitRun(this.options, experimentId, runId, identity);
      if (!admitted.ok) return admitted;
      const { row } = admitted;
      const snapshot = await this.options.store.lastSnapshot(row.id);
      await this.options.store.rewind(row.id, snapshot?.epoch ?? -1);
      const epoch = snapshot ? snapshot.epoch + 1 : 0;
      await this.queue.enqueue({
        runId: row.id,
        experimentId,
        model: row.model,
        epoch,
        epochs: row.epochs,
      });
      this.publisher.positions(await this.queue.waiting());
      return { ok: true, runId: row.id };
    });
  }

  async update(experimentId: string): Promise<RunResult<{ rebuilt: boolean }>> {
    const run = await this.liveRun(experimentId);
    if (!run) return fail("bad_request", "no run to update");
    const admitted = await admitCurrent(this.options, experimentId);
    if (!admitted.ok) return admitted;
    const { yaml } = admitted;
    let rebuilt = false;
    if (run.status !== "queued") {
      const reply = await this.request({
        runId: run.runId,
        action: "update",
        yaml,
        id: randomUUID(),
        replyTo: this.names.reply(this.options.nodeId),
      });
      if (!reply.ok) return fail("bad_request", reply.message);
      rebuilt = reply.rebuilt;
    }
    await this.options.store.update(run.runId, { yaml, epochs: admitted.config.epochs });
    return { ok: true, rebuilt };
  }

  /** Answers at once (the socket server expects it); the effect arrives as status events. */
  control(experimentId: string, action: "pause" | "resume" | "stop"): RunResult {
    const run = this.known.get(experimentId);
    if (!run || !isLive(run.status)) return fail("bad_request", `no run to ${action}`);
    if (run.status === "queued" && action !== "stop")
      return fail("bad_request", `a queued run cannot ${action}`);
    if (action === "stop" && run.status === "queued") void this.cancelOrStop(experimentId, run);
    else
      void this.pub.publish(
        this.names.control,
        JSON.stringify({ runId: run.runId, action } satisfies ControlMessage),
      );
    return { ok: true };
  }

  async roomSnapshot(experimentId: string): Promise<RoomSnapshot> {
    const keys = liveKeys(this.options.prefix, experimentId);
    const [state, stats] = await this.pub.mget(keys.state, keys.stats);
    const run = state ? (JSON.parse(state) as RunState) : null;
    if (run && isLive(run.status)) {
      this.known.set(experimentId, run);
      const bytes = await this.pub.getBuffer(keys.frame);
      const stored = bytes ? decodeLiveFrame(bytes) : null;
      const frame =
        stored && stored.header.runId === run.runId
          ? ({ ...stored.header, data: stored.data } as unknown as FramePayload)
          : null;
      const history = await this.options.store.history(run.runId, HISTORY_IN_ACK);
      return { run, stats: stats ? (JSON.parse(stats) as EpochStats) : null, history, frame };
    }
    if (this.options.ensureLocal) await this.fillStoredImages(experimentId);
    const snapshot = await this.options.stored.roomSnapshot(experimentId);
    if (snapshot.run) this.known.set(experimentId, snapshot.run);
    return snapshot;
  }

  async close(): Promise<void> {
    for (const pending of this.replies.values())
      pending({ id: "", ok: false, message: "the server is shutting down" });
    await this.queue.close();
    await closeRedis(this.sub, this.pub);
  }

  private async fillStoredImages(experimentId: string): Promise<void> {
    const row = await this.options.store.latest(experimentId);
    if (!row) return;
    const snapshot = await this.options.store.lastSnapshot(row.id);
    for (const file of [row.imagePath, snapshot?.imagePath])
      if (file) await this.options.ensureLocal!(file).catch(() => undefined);
  }

  private async liveRun(experimentId: string): Promise<{ runId: string; status: string } | null> {
    const row = await this.options.store.latest(experimentId);
    if (!row || !isLive(row.status)) return null;
    const known = this.known.get(experimentId);
    return { runId: row.id, status: known?.runId === row.id ? known.status : row.status };
  }

  private async cancelOrStop(experimentId: string, run: RunState): Promise<void> {
    if (await this.queue.cancel(run.runId)) {
      await this.options.store.update(run.runId, { status: "stopped", finishedAt: new Date() });
      this.publisher.status(experimentId, { ...run, status: "stopped", queuePosition: undefined });
      this.publisher.positions(await this.queue.waiting());
    } else {
      // A worker took it meanwhile: stop it there.
      await this.pub.publish(
        this.names.control,
        JSON.stringify({ runId: run.runId, action: "stop" } satisfies ControlMessage),
      );
    }
  }

  /** One start/continue per experiment at a time across the cluster, and none while a run is live. */
  private async exclusively<T>(
    experimentId: string,
    task: () => Promise<RunResult<T>>,
  ): Promise<RunResult<T>> {
    const lock = `${this.options.prefix}starting:${experimentId}`;
    if ((await this.pub.set(lock, this.options.nodeId, "PX", 15_000, "NX")) !== "OK") {
      return fail("busy", "a run of this experiment is already queued or running");
    }
    try {
      const latest = await this.options.store.latest(experimentId);
      if (latest && isLive(latest.status))
        return fail("busy", "a run of this experiment is already queued or running");
      return await task();
    } finally {
      await this.pub.del(lock);
    }
  }

  private request(message: ControlMessage & { action: "update" }): Promise<ControlReply> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.replies.delete(message.id);
        resolve({ id: message.id, ok: false, message: "the run's worker did not answer" });
      }, this.options.updateTimeoutMs ?? 15_000);
      this.replies.set(message.id, (reply) => {
        clearTimeout(timer);
        this.replies.delete(message.id);
        resolve(reply);
      });
      void this.pub.publish(this.names.control, JSON.stringify(message));
    });
  }

  private onMessage(channel: string, message: Buffer): void {
    try {
      if (channel === this.names.events) this.deliver(decodeEvent(message));
      else if (channel === this.names.reply(this.options.nodeId)) {
        const reply = JSON.parse(message.toString()) as ControlReply;
        this.replies.get(reply.id)?.(reply);
      }
    } catch (error) {
      console.error("runs: dropping a malformed cluster message:", error);
    }
  }

  private deliver(event: RunEventMessage): void {
    const { experimentId } = event;
    const room = this.io?.local.to(roomOf(experimentId));
    switch (event.type) {
      case "status": {
        const previous = this.known.get(experimentId);
        // A late position update must not undo a newer state of the same run.
        if (
          event.run.status === "queued" &&
          previous?.runId === event.run.runId &&
          isLive(previous.status) &&
          previous.status !== "queued"
        )
          return;
        this.known.set(experimentId, event.run);
        if (!isLive(event.run.status)) this.options.onStats?.(event.run.runId, null);
        if (room) room.emit("status", { experimentId, run: event.run });
        else for (const s of this.sinks) s.status(experimentId, event.run);
        return;
      }
      case "frame": {
        const frame: FramePayload = { ...event.frame, data: event.data };
        for (const s of this.sinks) s.frame(experimentId, frame);
        const viewers = this.io?.of("/").adapter.rooms.get(roomOf(experimentId))?.size ?? 0;
        if (viewers) this.options.onFramesSent?.(viewers, experimentId);
        return;
      }
      case "stats":
        this.options.onStats?.(event.runId, event.stats);
        if (room)
          room.emit("stats", {
            experimentId,
            runId: event.runId,
            stats: event.stats,
            history: event.history,
          });
        else
          for (const s of this.sinks)
            s.stats(experimentId, event.runId, event.stats, event.history);
        return;
      case "snapshot":
        if (room) room.emit("snapshot", { experimentId, ...event.snapshot });
        else for (const s of this.sinks) s.snapshot(experimentId, event.snapshot);
        return;
      case "done":
        if (room) room.emit("done", { experimentId, ...event.done });
        else for (const s of this.sinks) s.done(experimentId, event.done);
        return;
      case "error":
        if (room) room.emit("error", { experimentId, code: event.code, message: event.message });
        else for (const s of this.sinks) s.error(experimentId, event.code, event.message);
        return;
    }
  }
}
