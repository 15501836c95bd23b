/**
 * Yjs across web nodes: a collaboration extension that shares every loaded document's updates and
 * awareness with the other nodes over Redis pub/sub, one channel per document, speaking the
 * y-websocket protocol inside a small envelope (sender node id + message).
 *
 * - A node publishes what its own clients change (doc and awareness updates whose origin is not
 *   the fan-out) and applies what it receives with the `REMOTE` origin, so nothing is published twice.
 * - On load (after the database filled the document) it subscribes, then publishes sync step 1 and
 *   an awareness query: nodes holding the document answer with what it lacks (sync step 2) and their
 *   presence, which closes the gap between reading the database and subscribing. After a Redis
 *   reconnect it does the same again (pub/sub drops what it could not deliver).
 * - Remote updates flow through the local document like a client's: the database extension appends
 *   them before they reach this node's clients, so durability does not depend on the sender.
 */
import * as Y from "yjs";
import * as encoding from "lib0/encoding";
import * as decoding from "lib0/decoding";
import { applyAwarenessUpdate, type Awareness } from "y-protocols/awareness";
import type { Extension, LoadPayload } from "../collab/types";
import {
  awarenessMessage,
  decodeMessage,
  MESSAGE_QUERY_AWARENESS,
  syncStep1Message,
  syncStep2Message,
  updateMessage,
} from "../collab/messages";
import type { Redis } from "./redis";

/** Origin of updates that came from another node. */
export const REMOTE = Symbol("clipig:remote-node");

export interface YjsFanoutOptions {
  pub: Redis;
  sub: Redis;
  prefix: string;
  nodeId: string;
}

interface Shared {
  name: string;
  doc: Y.Doc;
  awareness: Awareness | null;
}

export interface YjsFanout extends Extension {
  loadDocument(payload: LoadPayload): Promise<void>;
  /** Documents shared right now. */
  readonly size: number;
  /** Messages received from other nodes (for tests and metrics). */
  readonly received: number;
  close(): Promise<void>;
}

const queryAwarenessMessage = () => {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MESSAGE_QUERY_AWARENESS);
  return encoding.toUint8Array(e);
};

export function yjsFanout({ pub, sub, prefix, nodeId }: YjsFanoutOptions): YjsFanout {
  const byChannel = new Map<string, Shared>();
  const channelOf = (name: string) => `${prefix}yjs:${name}`;
  let received = 0;

  const publish = (shared: Shared, message: Uint8Array) => {
    const e = encoding.createEncoder();
    encoding.writeVarString(e, nodeId);
    encoding.writeVarUint8Array(e, message);
    pub
      .publish(channelOf(shared.name), Buffer.from(encoding.toUint8Array(e)))
      .catch((error: unknown) => {
        console.error(`cluster: publishing to '${shared.name}' failed:`, error);
      });
  };

  /** Asks the other nodes for what this one lacks, and for their presence. */
  const catchUp = (shared: Shared) => {
    publish(shared, syncStep1Message(shared.doc));
    if (shared.awareness) publish(shared, queryAwarenessMessage());
  };

  const onMessage = (channelBytes: Buffer, data: Buffer) => {
    const shared = byChannel.get(channelBytes.toString());
    if (!shared) return;
    let sender: string;
    let message: ReturnType<typeof decodeMessage>;
    try {
      const decoder = decoding.createDecoder(
        new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      );
      sender = decoding.readVarString(decoder);
      if (sender === nodeId) return;
      message = decodeMessage(decoding.readVarUint8Array(decoder));
    } catch (error) {
      return console.error(`cluster: dropping a malformed Yjs message on '${shared.name}':`, error);
    }
    received++;
    switch (message.kind) {
      case "syncStep1":
        return publish(shared, syncStep2Message(shared.doc, message.stateVector));
      case "update":
        return Y.applyUpdate(shared.doc, message.update, REMOTE);
      case "awareness":
        if (shared.awareness) applyAwarenessUpdate(shared.awareness, message.update, REMOTE);
        return;
      case "queryAwareness": {
        const awareness = shared.awareness;
        if (awareness && awareness.getStates().size)
          publish(shared, awarenessMessage(awareness, [...awareness.getStates().keys()]));
        return;
      }
    }
  };
  sub.on("messageBuffer", onMessage);

  // After a reconnect ioredis resubscribes by itself; what was published meanwhile is lost, so sync again.
  let connectedOnce = false;
  const onReady = () => {
    if (connectedOnce) for (const shared of byChannel.values()) catchUp(shared);
    connectedOnce = true;
  };
  sub.on("ready", onReady);
  if (sub.status === "ready") connectedOnce = true;

  return {
    get size() {
      return byChannel.size;
    },
    get received() {
      return received;
    },

    async loadDocument({ documentName, document, awareness }) {
      const channel = channelOf(documentName);
      const shared: Shared = { name: documentName, doc: document, awareness: awareness ?? null };
      byChannel.set(channel, shared);
      document.on("update", (update: Uint8Array, origin: unknown) => {
        if (origin !== REMOTE) publish(shared, updateMessage(update));
      });
      awareness?.on(
        "update",
        (
          { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
          origin: unknown,
        ) => {
          if (origin !== REMOTE)
            publish(shared, awarenessMessage(awareness, [...added, ...updated, ...removed]));
        },
      );
      document.once("destroy", () => {
        if (byChannel.get(channel) !== shared) return; // a newer copy of the document took the channel
        byChannel.delete(channel);
        sub.unsubscribe(channel).catch(() => undefined);
      });
      await sub.subscribe(channel);
      catchUp(shared);
    },

    async close() {
      sub.off("messageBuffer", onMessage);
      sub.off("ready", onReady);
      const channels = [...byChannel.keys()];
      byChannel.clear();
      if (channels.length && sub.status === "ready")
        await sub.unsubscribe(...channels).catch(() => undefined);
    },
  };
}
