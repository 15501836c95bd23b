/**
 * How runs talk across processes in cluster mode, over Redis:
 * - Events (worker → every web node): one pub/sub channel; each node delivers an event to the
 *   sockets of the room it holds itself. Frames carry their image as a binary tail, not base64.
 * - Live state (worker → whoever joins a room): the run's state, latest statistics and encoded
 *   frame under per-experiment keys, so a joiner on any node gets them at once.
 * - Control (web node → the worker running the run): pause / resume / stop / update, with a reply
 *   channel per node for `update`.
 */
import type { EpochStats } from "../engine/trainer/api";
import type { ErrorCode, FramePayload, HistoryPoint, RunState } from "../domain";

export type RunEventMessage =
  | { type: "status"; experimentId: string; run: RunState }
  | { type: "frame"; experimentId: string; frame: Omit<FramePayload, "data">; data: Uint8Array }
  | {
      type: "stats";
      experimentId: string;
      runId: string;
      stats: EpochStats;
      history: HistoryPoint[];
    }
  | {
      type: "snapshot";
      experimentId: string;
      snapshot: { runId: string; snapshotId: string; epoch: number; url: string };
    }
  | { type: "done"; experimentId: string; done: { runId: string; url: string } }
  | { type: "error"; experimentId: string; code: ErrorCode; message: string };

export type ControlMessage =
  | { runId: string; action: "pause" | "resume" | "stop" }
  | { runId: string; action: "update"; yaml: string; id: string; replyTo: string };

export type ControlReply =
  { id: string; ok: true; rebuilt: boolean } | { id: string; ok: false; message: string };

export const channels = (prefix: string) => ({
  events: `${prefix}runs:events`,
  control: `${prefix}runs:control`,
  reply: (nodeId: string) => `${prefix}runs:reply:${nodeId}`,
});

export const liveKeys = (prefix: string, experimentId: string) => ({
  state: `${prefix}live:${experimentId}:state`,
  stats: `${prefix}live:${experimentId}:stats`,
  frame: `${prefix}live:${experimentId}:frame`,
});

/** Live keys outlive a worker that died without cleaning up, but not forever. */
export const LIVE_TTL_S = 6 * 3600;

/** `[u32 header length][JSON header][binary tail]`: the tail is a frame's image, empty otherwise. */
export function encodeEvent(event: RunEventMessage): Buffer {
  const { data, ...rest } = event.type === "frame" ? event : { ...event, data: undefined };
  const header = Buffer.from(JSON.stringify(rest));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(header.length);
  return Buffer.concat([
    length,
    header,
    data ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.alloc(0),
  ]);
}

export function decodeEvent(bytes: Buffer): RunEventMessage {
  const length = bytes.readUInt32BE(0);
  const header = JSON.parse(bytes.subarray(4, 4 + length).toString()) as RunEventMessage;
  if (header.type === "frame") return { ...header, data: bytes.subarray(4 + length) };
  return header;
}
