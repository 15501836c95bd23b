/**
 * "Someone just lost access": emitted after the write that took it away has committed, so the
 * live layers (Socket.IO rooms, Yjs connections) can re-check or cut that user's connections.
 * Listeners hear where an event came from: `local` (a write in this process) or `relayed` (a
 * write on another web node, delivered by `server/cluster/access-relay.ts`, which publishes only
 * local ones, so nothing travels twice).
 */
import type { Role, Visibility } from "./roles";

export type AccessRevoked =
  /** A member was removed (`role: null`) or lowered; re-check their connections to the experiment. */
  | { kind: "member"; experimentId: string; userId: string; role: Role | null }
  /** Sessions ended (sign-out, "sign out everywhere"): close the connections opened with them. */
  | { kind: "sessions"; userId: string; sessionIds: string[] }
  /** The experiment became less visible: re-check every connection to it. */
  | { kind: "visibility"; experimentId: string; visibility: Visibility };

export type AccessSource = "local" | "relayed";
export type AccessListener = (event: AccessRevoked, source: AccessSource) => void;

/** One set of listeners: the process-wide one below, or a private one (a cluster test's second node). */
export interface AccessEvents {
  /** Subscribes; returns the unsubscribe function. */
  on(listener: AccessListener): () => void;
  /** Calls every listener; one that throws does not stop the others (or the write that caused it). */
  emit(event: AccessRevoked, source: AccessSource): void;
}

export function accessEvents(listeners = new Set<AccessListener>()): AccessEvents {
  return {
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(event, source) {
      for (const listener of [...listeners]) {
        try {
          listener(event, source);
        } catch (error) {
          console.error("onAccessRevoked listener failed:", error);
        }
      }
    },
  };
}

// On globalThis: Next bundles its own copy of this module (pages, actions), and a revocation made
// there must still reach the sockets' listeners registered by the server's copy.
const holder = globalThis as unknown as { __clipigAccessListeners?: Set<AccessListener> };

/** This process's revocations: what the data layer emits and the live layers (and the relay) hear. */
export const processAccessEvents: AccessEvents = accessEvents(
  (holder.__clipigAccessListeners ??= new Set<AccessListener>()),
);

/** Subscribes to this process's revocations; returns the unsubscribe function. */
export function onAccessRevoked(listener: AccessListener): () => void {
  return processAccessEvents.on(listener);
}

/** Announces a revocation made by this process (after its write committed). */
export function emitAccessRevoked(event: AccessRevoked): void {
  processAccessEvents.emit(event, "local");
}
