/**
 * Presence (Yjs awareness) as the server owns it, for one document. A client's awareness update
 * is decoded here with bounds (`presence-decode.ts`), and only entries for client ids the
 * connection owns are taken: an id is claimed by the first connection that sets a state for it
 * (never one another connection holds, the server's own, or one that is live elsewhere), up to a
 * few per connection and a cap per document. The `user` part of every state is replaced by the
 * connection's authenticated identity; only a well-formed `cursor` travels with it. State changes
 * are rate-limited per connection (the latest wins), queries too (past the bucket: an empty
 * answer), and a connection's states go when it leaves.
 *
 * y-websocket clients echo every awareness change they receive back to the server, so entries for
 * other client ids are normal traffic: they are skipped unparsed, never an error.
 */
import { applyAwarenessUpdate, removeAwarenessStates, type Awareness } from "y-protocols/awareness";
import type { Identity } from "../auth/identity";
import { rateLimiter, type RateLimiter } from "../limits/rate-limit";
import { awarenessMessage } from "./messages";
import {
  decodeAwarenessUpdate,
  encodeAwarenessUpdate,
  parseState,
  PresenceRefusal,
  type AwarenessEntry,
} from "./presence-decode";
import { presenceUser } from "./presence-identity";
import type { PresenceLimits } from "./presence-limits";
import { cursorSchema, type PresenceState, type PresenceUser } from "./presence-schema";

/** What the guard needs of a connection. */
export interface PresencePeer {
  readonly identity: Identity | null;
  readonly readOnly: boolean;
}

interface Entry {
  clientId: number;
  clock: number;
  state: PresenceState | null;
}

interface PeerPresence {
  user: PresenceUser;
  /** The same person (signed-in user or guest cookie) may take over their own ids on reconnect. */
  who: string | null;
  ids: Set<number>;
  updates: RateLimiter;
  queries: RateLimiter;
  /** Changes waiting for the rate limit, latest per client id. */
  pending: Map<number, Entry>;
  timer: ReturnType<typeof setTimeout> | null;
}

export class PresenceGuard {
  private readonly peers = new Map<PresencePeer, PeerPresence>();
  private readonly owners = new Map<number, PresencePeer>();
  /** Ids whose owner left; their clocks are kept so late echoes cannot revive them (bounded). */
  private readonly released = new Set<number>();
  private everyone: Uint8Array | null = null;

  constructor(
    private readonly awareness: Awareness,
    private readonly limits: PresenceLimits,
  ) {
    awareness.on("update", this.invalidate);
  }

  /** Registers a connection; returns the states it should be sent first (null: none). */
  join(peer: PresencePeer): Uint8Array | null {
    this.peers.set(peer, {
      user: presenceUser(peer.identity, peer.readOnly),
      who: peer.identity ? `${peer.identity.kind}:${peer.identity.id}` : null,
      ids: new Set(),
      updates: rateLimiter({
        perSecond: this.limits.updatesPerSecond,
        burst: this.limits.updateBurst,
      }),
      queries: rateLimiter({
        perSecond: this.limits.queriesPerSecond,
        burst: this.limits.queryBurst,
      }),
      pending: new Map(),
      timer: null,
    });
    return this.awareness.getStates().size ? this.allStates() : null;
  }

  /** Removes a connection's states (relayed to the others as removals) and releases its ids. */
  leave(peer: PresencePeer): void {
    const p = this.peers.get(peer);
    if (!p) return;
    this.peers.delete(peer);
    if (p.timer) clearTimeout(p.timer);
    removeAwarenessStates(this.awareness, [...p.ids], null);
    for (const id of p.ids) this.release(id);
  }

  /** One awareness message from `peer`; throws `PresenceRefusal` when it is malformed or oversized. */
  receive(peer: PresencePeer, update: Uint8Array): void {
    const p = this.peers.get(peer);
    if (!p) return;
    const entries = decodeAwarenessUpdate(update, {
      maxEntries: this.limits.maxEntriesPerMessage,
      maxStateBytes: this.limits.maxStateBytes,
    });
    if (!entries) return; // more entries than any client sends: dropped unread
    for (const entry of entries) {
      const state = this.take(peer, p, entry);
      if (state === undefined) continue;
      const waiting = p.pending.get(entry.clientId);
      if (!waiting || waiting.clock <= entry.clock)
        p.pending.set(entry.clientId, { clientId: entry.clientId, clock: entry.clock, state });
    }
    this.flush(peer, p);
  }

  /** The answer to an awareness query: everyone's states, or nothing past the query bucket. */
  query(peer: PresencePeer): Uint8Array {
    const p = this.peers.get(peer);
    return p?.queries.take() ? this.allStates() : awarenessMessage(this.awareness, []);
  }

  destroy(): void {
    for (const p of this.peers.values()) if (p.timer) clearTimeout(p.timer);
    this.peers.clear();
    this.awareness.off("update", this.invalidate);
  }

  /**
   * The checked state of an entry `peer` may write, or undefined to skip it: ids of others (echoes
   * or forgeries), ids it may not claim, and removals of ids it never owned.
   */
  private take(
    peer: PresencePeer,
    p: PeerPresence,
    entry: AwarenessEntry,
  ): PresenceState | null | undefined {
    const { clientId, clock } = entry;
    const owner = this.owners.get(clientId);
    if (owner === peer) return this.check(p, entry);
    const known = this.awareness.meta.get(clientId)?.clock ?? 0;
    if (clock <= known) return undefined; // stale: an echo, or a replay
    if (owner) {
      const other = this.peers.get(owner);
      if (!p.who || other?.who !== p.who || p.ids.size >= this.limits.maxClientIdsPerConnection)
        return undefined;
      const state = this.check(p, entry);
      if (state === null) return undefined;
      // The same person reconnected before their old connection was noticed gone.
      other.ids.delete(clientId);
      other.pending.delete(clientId);
      this.claim(peer, p, clientId);
      return state;
    }
    if (
      clientId === this.awareness.clientID ||
      this.awareness.states.has(clientId) || // live on another node
      p.ids.size >= this.limits.maxClientIdsPerConnection ||
      this.owners.size >= this.limits.maxStatesPerDocument ||
      this.awareness.states.size >= this.limits.maxStatesPerDocument
    )
      return undefined;
    const state = this.check(p, entry);
    if (state === null) return undefined; // removing what nobody owns
    this.claim(peer, p, clientId);
    return state;
  }

  /** Parses an owned entry: the server's `user`, the client's cursor if well-formed, nothing else. */
  private check(p: PeerPresence, entry: AwarenessEntry): PresenceState | null {
    const raw = parseState(entry.json);
    if (raw === null) return null;
    const state: PresenceState = { user: p.user };
    if (Object.hasOwn(raw, "cursor")) {
      const cursor = cursorSchema.check(raw.cursor, "cursor");
      if (!cursor.ok)
        throw new PresenceRefusal(`awareness: ${cursor.issue.path} ${cursor.issue.message}`);
      state.cursor = cursor.value;
    }
    return state;
  }

  private claim(peer: PresencePeer, p: PeerPresence, clientId: number): void {
    this.owners.set(clientId, peer);
    this.released.delete(clientId);
    p.ids.add(clientId);
  }

  private release(clientId: number): void {
    this.owners.delete(clientId);
    this.released.add(clientId);
    // Keep the clocks of recently released ids only: the oldest go first.
    for (const id of this.released) {
      if (this.released.size <= 4 * this.limits.maxStatesPerDocument) break;
      this.released.delete(id);
      if (!this.awareness.states.has(id)) this.awareness.meta.delete(id);
    }
  }

  /** Applies what is waiting when the bucket allows; otherwise once it will. */
  private flush(peer: PresencePeer, p: PeerPresence): void {
    if (!p.pending.size || p.timer) return;
    if (!p.updates.take()) {
      p.timer = setTimeout(() => {
        p.timer = null;
        if (this.peers.get(peer) === p) this.flush(peer, p);
      }, p.updates.retryAfterMs());
      return;
    }
    const entries = [...p.pending.values()].filter((e) => this.owners.get(e.clientId) === peer);
    p.pending.clear();
    if (entries.length) applyAwarenessUpdate(this.awareness, encodeAwarenessUpdate(entries), peer);
  }

  private allStates(): Uint8Array {
    this.everyone ??= awarenessMessage(this.awareness, [...this.awareness.getStates().keys()]);
    return this.everyone;
  }

  private invalidate = () => {
    this.everyone = null;
  };
}
