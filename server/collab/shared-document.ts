/**
 * One loaded document: the Y.Doc, its awareness (cursors, presence) and the connections on it.
 *
 * Durability comes before visibility: incoming updates are applied at once, but they are relayed to
 * the other clients (and sync replies are sent) only after the `change` hooks made them durable. So
 * anything a client has seen survives a crash. Updates that arrive while a write is in flight are
 * merged into the next write (group commit). All persistence work for a document runs on one chain.
 * Presence is the guard's (`presence-guard.ts`): the server owns who a state says it is.
 */
import * as Y from "yjs";
import { Awareness } from "y-protocols/awareness";
import { Debouncer } from "./debouncer";
import {
  awarenessMessage,
  syncStep1Message,
  syncStep2Message,
  updateMessage,
  type IncomingMessage,
} from "./messages";
import { PresenceGuard, type PresencePeer } from "./presence-guard";
import { DEFAULT_PRESENCE_LIMITS, type PresenceLimits } from "./presence-limits";

/** The socket side a document talks to (see `connection.ts`). */
export interface Peer extends PresencePeer {
  send(message: Uint8Array): void;
}

export interface DocumentHooks {
  change(document: SharedDocument, update: Uint8Array): Promise<void>;
  store(document: SharedDocument): Promise<void>;
  /** Persisting failed: the core closes the document's connections (clients resend on reconnect). */
  failed(document: SharedDocument, error: unknown): void;
}

export interface StoreTiming {
  debounceMs: number;
  maxDebounceMs: number;
}

export class SharedDocument {
  readonly doc = new Y.Doc();
  readonly awareness = new Awareness(this.doc);
  private readonly peers = new Set<Peer>();
  private readonly presence: PresenceGuard;
  private outbox: { update: Uint8Array; origin: unknown }[] = [];
  private pumping = false;
  private chain: Promise<void> = Promise.resolve();
  private readonly store: Debouncer;

  constructor(
    readonly name: string,
    private readonly hooks: DocumentHooks,
    timing: StoreTiming,
    presence: PresenceLimits = DEFAULT_PRESENCE_LIMITS,
  ) {
    this.awareness.setLocalState(null);
    this.awareness.on("update", this.onAwareness);
    this.presence = new PresenceGuard(this.awareness, presence);
    this.store = new Debouncer(timing.debounceMs, timing.maxDebounceMs, () =>
      this.enqueue(() => hooks.store(this)),
    );
  }

  get size(): number {
    return this.peers.size;
  }

  /** Starts persisting updates; called once loading applied the stored state (which is not re-appended). */
  track(): void {
    this.doc.on("update", this.onUpdate);
  }

  add(peer: Peer): void {
    this.peers.add(peer);
    peer.send(syncStep1Message(this.doc));
    const states = this.presence.join(peer);
    if (states) peer.send(states);
  }

  /** Removes a peer and its awareness states; returns how many peers are left. */
  remove(peer: Peer): number {
    if (!this.peers.delete(peer)) return this.peers.size;
    this.presence.leave(peer);
    return this.peers.size;
  }

  /** Handles one decoded message; throws on content Yjs rejects (the caller closes that peer). */
  receive(peer: Peer, message: IncomingMessage): void {
    switch (message.kind) {
      case "syncStep1":
        // Reply once everything applied so far is durable: a client never sees a losable edit.
        void this.chain.then(() => peer.send(syncStep2Message(this.doc, message.stateVector)));
        return;
      case "update":
        if (!peer.readOnly) Y.applyUpdate(this.doc, message.update, peer);
        return;
      case "awareness":
        this.presence.receive(peer, message.update);
        return;
      case "queryAwareness":
        peer.send(this.presence.query(peer));
        return;
    }
  }

  /** Everything received so far is durable and the compacted state is stored. */
  async flush(): Promise<void> {
    await this.chain;
    await this.store.flush();
  }

  destroy(): void {
    this.store.cancel();
    this.presence.destroy();
    this.awareness.destroy();
    this.doc.destroy();
  }

  private onUpdate = (update: Uint8Array, origin: unknown) => {
    this.outbox.push({ update, origin });
    if (this.pumping) return;
    this.pumping = true;
    void this.enqueue(() => this.pump());
  };

  private async pump(): Promise<void> {
    try {
      while (this.outbox.length) {
        const batch = this.outbox.splice(0);
        const update =
          batch.length === 1 ? batch[0].update : Y.mergeUpdates(batch.map((b) => b.update));
        await this.hooks.change(this, update);
        // The author already has its own edit; skip it when the whole batch came from one peer.
        const author = batch.every((b) => b.origin === batch[0].origin) ? batch[0].origin : null;
        const message = updateMessage(update);
        for (const peer of this.peers.keys()) if (peer !== author) peer.send(message);
        this.store.schedule();
      }
    } catch (error) {
      this.outbox = [];
      this.hooks.failed(this, error);
    } finally {
      this.pumping = false;
    }
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(task).catch((error: unknown) => {
      console.error(`collab: storing '${this.name}' failed:`, error);
    });
    return this.chain;
  }

  private onAwareness = ({
    added,
    updated,
    removed,
  }: {
    added: number[];
    updated: number[];
    removed: number[];
  }) => {
    const message = awarenessMessage(this.awareness, [...added, ...updated, ...removed]);
    for (const peer of this.peers.keys()) peer.send(message);
  };
}
