/**
 * Revocations across web nodes: every revocation this node emits (`member`, `sessions`,
 * `visibility`; see `server/accounts/events.ts`) is published on one channel under the cluster
 * prefix, with this node's id; what other nodes publish is emitted here as `relayed`, so this
 * node's Socket.IO sockets and Yjs connections are cut as if the write had happened here.
 *
 * - Only `local` events are published and a node drops its own messages: each event reaches each
 *   node once, and nothing circles.
 * - Messages come from Redis, not from us: each is parsed and checked field by field and rebuilt
 *   from the checked fields; a malformed one is logged and dropped. Unknown extra fields are left
 *   behind rather than refused, so a node of the next version (mid rolling deploy) is still heard.
 *   What this node publishes passes the same check first, so a bug shows here, not as silence.
 * - Pub/sub is at-most-once: a revocation published while a node is cut off from Redis does not
 *   reach it. Socket.IO events still re-check the role on every call; that node's open Yjs
 *   connections keep their access until they reconnect.
 */
import { isRole, isVisibility } from "../accounts/roles";
import {
  processAccessEvents,
  type AccessEvents,
  type AccessRevoked,
  type AccessSource,
} from "../accounts/events";
import { ID_PATTERN } from "../domain";
import type { Redis } from "./redis";

/** Session ids per message: "sign out everywhere" of a user with many sessions is split. */
export const MAX_SESSION_IDS = 500;
/** Longer messages are dropped unread (500 ids of 64 characters fit well below). */
const MAX_MESSAGE_CHARS = 64 * 1024;

/** What travels: the sending node and the event. */
export interface RelayMessage {
  from: string;
  event: AccessRevoked;
}

export const accessChannel = (prefix: string) => `${prefix}access-revoked`;

export interface AccessRelayOptions {
  pub: Redis;
  sub: Redis;
  prefix: string;
  nodeId: string;
  /** Whose revocations to carry (default: this process's). */
  events?: AccessEvents;
}

export interface AccessRelay {
  /** Messages published, received from other nodes and emitted, and dropped as malformed. */
  readonly counts: { published: number; relayed: number; dropped: number };
  /** Stops publishing and receiving (the connections stay open; their owner closes them). */
  close(): Promise<void>;
}

/** Starts relaying once subscribed (so a revocation made elsewhere right after this resolves arrives). */
export async function accessRelay({
  pub,
  sub,
  prefix,
  nodeId,
  events = processAccessEvents,
}: AccessRelayOptions): Promise<AccessRelay> {
  text(nodeId, "nodeId"); // what the other nodes will accept as `from`
  const channel = accessChannel(prefix);
  const counts = { published: 0, relayed: 0, dropped: 0 };

  const publish = (event: AccessRevoked) => {
    const json = JSON.stringify({ from: nodeId, event } satisfies RelayMessage);
    try {
      parseRelayMessage(json);
    } catch (error) {
      return console.error(`cluster: revocation (${event.kind}) not relayable:`, error);
    }
    counts.published++;
    pub.publish(channel, json).catch((error: unknown) => {
      console.error(`cluster: publishing a revocation (${event.kind}) failed:`, error);
    });
  };
  const onLocal = (event: AccessRevoked, source: AccessSource) => {
    if (source !== "local") return;
    if (event.kind !== "sessions") return publish(event);
    for (let i = 0; i < event.sessionIds.length; i += MAX_SESSION_IDS)
      publish({ ...event, sessionIds: event.sessionIds.slice(i, i + MAX_SESSION_IDS) });
  };

  const onMessage = (on: string, raw: string) => {
    if (on !== channel) return; // the connection also carries Yjs channels
    let message: RelayMessage;
    try {
      message = parseRelayMessage(raw);
    } catch (error) {
      counts.dropped++;
      return console.error(
        `cluster: dropping a malformed revocation message: ${(error as Error).message}`,
      );
    }
    if (message.from === nodeId) return; // our own, already emitted locally
    counts.relayed++;
    events.emit(message.event, "relayed");
  };

  sub.on("message", onMessage);
  await sub.subscribe(channel);
  const unwatch = events.on(onLocal);

  return {
    counts,
    async close() {
      unwatch();
      sub.off("message", onMessage);
      if (sub.status === "ready") await sub.unsubscribe(channel).catch(() => undefined);
    },
  };
}

class Malformed extends Error {}

const text = (value: unknown, field: string, pattern?: RegExp): string => {
  if (typeof value !== "string" || value.length === 0 || value.length > 256)
    throw new Malformed(`${field}: not a string of 1 to 256 characters`);
  if (pattern && !pattern.test(value)) throw new Malformed(`${field}: not an id`);
  return value;
};

const record = (value: unknown, field: string): Record<string, unknown> => {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new Malformed(`${field}: not an object`);
  return value as Record<string, unknown>;
};

/** Parses and checks a message from the channel; returns it rebuilt from the checked fields. */
export function parseRelayMessage(raw: string): RelayMessage {
  if (raw.length > MAX_MESSAGE_CHARS) throw new Malformed(`${raw.length} characters`);
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new Malformed("not JSON");
  }
  const message = record(json, "message");
  const from = text(message.from, "from");
  const e = record(message.event, "event");
  const kind = e.kind;
  switch (kind) {
    case "member": {
      if (e.role !== null && !isRole(e.role)) throw new Malformed("role: unknown");
      return {
        from,
        event: {
          kind,
          experimentId: text(e.experimentId, "experimentId", ID_PATTERN),
          userId: text(e.userId, "userId", ID_PATTERN),
          role: e.role,
        },
      };
    }
    case "sessions": {
      if (!Array.isArray(e.sessionIds) || e.sessionIds.length > MAX_SESSION_IDS)
        throw new Malformed(`sessionIds: not a list of at most ${MAX_SESSION_IDS}`);
      return {
        from,
        event: {
          kind,
          userId: text(e.userId, "userId", ID_PATTERN),
          sessionIds: e.sessionIds.map((id: unknown) => text(id, "sessionIds[]", ID_PATTERN)),
        },
      };
    }
    case "visibility": {
      if (!isVisibility(e.visibility)) throw new Malformed("visibility: unknown");
      return {
        from,
        event: {
          kind,
          experimentId: text(e.experimentId, "experimentId", ID_PATTERN),
          visibility: e.visibility,
        },
      };
    }
    default:
      throw new Malformed("event.kind: unknown");
  }
}
