/**
 * The cluster's `RunBus`, over Redis:
 * - Events (executor → every web node): one pub/sub channel; each node delivers an event to the
 *   sockets of the room it holds itself. Frames carry their image as a binary tail, not base64.
 * - Live state (executor → whoever joins a room): the run's state, latest statistics and encoded
 *   frame (as its event message) under per-experiment keys, so a joiner on any node gets them at once. A finished run's
 *   keys are dropped: from then on the database answers.
 * - Controls (web node → the executor holding the run): pause / resume / stop / update, with a
 *   reply channel per node for `update`.
 * - Locks: `SET NX PX`, released only by their holder.
 */
import { randomUUID } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import type { EpochStats } from "../engine/trainer/api";
import { isLiveStatus, type RunState } from "../domain";
import type { ControlHandler, RunBus, RunControl, UpdateReply } from "../runs/ports";
import { eventSink, type RunEventMessage } from "../runs/run-events";
import { closeRedis, connectRedis } from "./redis";

type ControlMessage =
  RunControl | { runId: string; action: "update"; yaml: string; id: string; replyTo: string };
type ControlReply = UpdateReply & { id: string };

const channels = (prefix: string) => ({
  events: `${prefix}runs:events`,
  control: `${prefix}runs:control`,
  reply: (nodeId: string) => `${prefix}runs:reply:${nodeId}`,
});

const liveKeys = (prefix: string, experimentId: string) => ({
  state: `${prefix}live:${experimentId}:state`,
  stats: `${prefix}live:${experimentId}:stats`,
  frame: `${prefix}live:${experimentId}:frame`,
});

/** Live keys outlive a worker that died without cleaning up, but not forever. */
const LIVE_TTL_S = 6 * 3600;
/** Deletes a lock only if it is still ours. */
const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;

/** `[u32 header length][JSON header][binary tail]`: the tail is a frame's image, empty otherwise. */
export function encodeEvent(event: RunEventMessage): Buffer {
  const { data, ...rest } = event.type === "frame" ? event : { ...event, data: undefined };
  const header = Buffer.from(JSON.stringify(rest));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(header.length);
  const tail = data ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.alloc(0);
  return Buffer.concat([length, header, tail]);
}

export function decodeEvent(bytes: Buffer): RunEventMessage {
  const length = bytes.readUInt32BE(0);
  const header = JSON.parse(bytes.subarray(4, 4 + length).toString()) as RunEventMessage;
  if (header.type === "frame") return { ...header, data: bytes.subarray(4 + length) };
  return header;
}

export function redisBus(options: { redisUrl: string; prefix: string; name: string }): RunBus {
  const { prefix, name } = options;
  const names = channels(prefix);
  const pub = connectRedis(options.redisUrl, `runs-pub:${name}`);
  const sub = connectRedis(options.redisUrl, `runs-sub:${name}`);
  const listeners: ((event: RunEventMessage) => void)[] = [];
  const handlers = new Set<ControlHandler>();
  const replies = new Map<string, (reply: UpdateReply) => void>();
  const quiet = () => undefined;
  const subscribed = sub.subscribe(names.events, names.control, names.reply(name));

  const publish = (event: RunEventMessage) => {
    const keys = liveKeys(prefix, event.experimentId);
    if (event.type === "status") {
      const write = isLiveStatus(event.run.status)
        ? pub.set(keys.state, JSON.stringify(event.run), "EX", LIVE_TTL_S)
        : pub.del(keys.state, keys.stats, keys.frame);
      void write.catch(quiet);
    } else if (event.type === "stats") {
      void pub.set(keys.stats, JSON.stringify(event.stats), "EX", LIVE_TTL_S).catch(quiet);
    }
    const bytes = encodeEvent(event);
    if (event.type === "frame") void pub.set(keys.frame, bytes, "EX", LIVE_TTL_S).catch(quiet);
    void pub
      .publish(names.events, bytes)
      .catch((error: unknown) => console.error("runs: publishing failed:", error));
  };

  const onControl = async (message: ControlMessage) => {
    if (message.action !== "update") {
      for (const handler of handlers) handler.control(message);
      return;
    }
    for (const handler of handlers) {
      const reply = handler.update(message.runId, message.yaml);
      if (!reply) continue;
      const answer: ControlReply = { ...(await reply), id: message.id };
      await pub.publish(message.replyTo, JSON.stringify(answer));
    }
  };

  sub.on("messageBuffer", (channel: Buffer, message: Buffer) => {
    try {
      const from = channel.toString();
      if (from === names.events) {
        const event = decodeEvent(message);
        for (const listener of listeners) listener(event);
      } else if (from === names.control)
        void onControl(JSON.parse(message.toString()) as ControlMessage);
      else if (from === names.reply(name)) {
        const reply = JSON.parse(message.toString()) as ControlReply;
        replies.get(reply.id)?.(reply);
      }
    } catch (error) {
      console.error("runs: dropping a malformed cluster message:", error);
    }
  });

  return {
    publisher: eventSink(publish),
    onEvent: (listener) => void listeners.push(listener),
    async live(experimentId) {
      const keys = liveKeys(prefix, experimentId);
      const [state, stats] = await pub.mget(keys.state, keys.stats);
      const run = state ? (JSON.parse(state) as RunState) : null;
      if (!run || !isLiveStatus(run.status)) return null;
      const bytes = await pub.getBuffer(keys.frame);
      const frame = bytes ? decodeEvent(bytes) : null;
      return {
        run,
        stats: stats ? (JSON.parse(stats) as EpochStats) : null,
        frame: frame?.type === "frame" ? { ...frame.frame, data: frame.data } : null,
      };
    },
    control: (message) => void pub.publish(names.control, JSON.stringify(message)).catch(quiet),
    update(runId, yaml, timeoutMs) {
      const id = randomUUID();
      const answer = new Promise<UpdateReply>((resolve) => replies.set(id, resolve));
      const message: ControlMessage = {
        runId,
        action: "update",
        yaml,
        id,
        replyTo: names.reply(name),
      };
      void pub.publish(names.control, JSON.stringify(message)).catch(quiet);
      const late: UpdateReply = { ok: false, message: "the run's worker did not answer" };
      return Promise.race([answer, delay(timeoutMs, late, { ref: false })]).finally(() =>
        replies.delete(id),
      );
    },
    onControl(handler) {
      handlers.add(handler);
      return () => void handlers.delete(handler);
    },
    async lock(key, ttlMs) {
      const full = `${prefix}${key}`;
      const token = `${name}:${randomUUID()}`;
      if ((await pub.set(full, token, "PX", ttlMs, "NX")) !== "OK") return null;
      return async () => void (await pub.eval(RELEASE, 1, full, token).catch(quiet));
    },
    ready: () => subscribed.then(() => undefined),
    async close() {
      for (const resolve of replies.values())
        resolve({ ok: false, message: "the server is shutting down" });
      await closeRedis(sub, pub);
    },
  };
}
