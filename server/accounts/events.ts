/**
 * "Someone just lost access": emitted after the write that took it away has committed, so the
 * live layers (Socket.IO rooms, Yjs connections) can re-check or cut that user's connections.
 * In-process only; with several web nodes the realtime layer fans these out (Redis).
 */
import type { Role, Visibility } from "./roles";

export type AccessRevoked =
  /** A member was removed (`role: null`) or lowered; re-check their connections to the experiment. */
  | { kind: "member"; experimentId: string; userId: string; role: Role | null }
  /** Sessions ended (sign-out, "sign out everywhere"): close the connections opened with them. */
  | { kind: "sessions"; userId: string; sessionIds: string[] }
  /** The experiment became less visible: re-check every connection to it. */
  | { kind: "visibility"; experimentId: string; visibility: Visibility };

export type AccessListener = (event: AccessRevoked) => void;

// On globalThis: Next bundles its own copy of this module (pages, actions), and a revocation made
// there must still reach the sockets' listeners registered by the server's copy.
const holder = globalThis as unknown as { __clipigAccessListeners?: Set<AccessListener> };
const listeners = (holder.__clipigAccessListeners ??= new Set<AccessListener>());

/** Subscribes; returns the unsubscribe function. */
export function onAccessRevoked(listener: AccessListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Calls every listener; one that throws does not stop the others (or the write that caused it). */
export function emitAccessRevoked(event: AccessRevoked): void {
  for (const listener of [...listeners]) {
    try {
      listener(event);
    } catch (error) {
      console.error("onAccessRevoked listener failed:", error);
    }
  }
}
