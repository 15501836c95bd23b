/**
 * Remote presence as the studio may use it: every awareness state of another client is checked
 * against the relayed shape (`server/collab/presence-schema.ts`) before anything renders it. A
 * state that does not match is taken out of the awareness, so neither the avatars nor the
 * editor's remote carets (y-codemirror.next reads the awareness directly) ever see it.
 */
import type { Awareness } from "y-protocols/awareness";
import { presenceStateSchema, type PresenceState } from "@/server/collab/presence-schema";

export interface Me {
  id: string;
  name: string;
  color: string;
}

export interface Peer extends Me {
  clientId: number;
  self: boolean;
}

/** The checked state, or null when it is not one the server would relay. */
export function checkRemoteState(value: unknown): PresenceState | null {
  const checked = presenceStateSchema.check(value, "");
  return checked.ok ? checked.value : null;
}

/** Removes the listed remote states that fail the check; returns the ids it removed. */
export function dropInvalidStates(awareness: Awareness, clientIds: Iterable<number>): number[] {
  const dropped: number[] = [];
  for (const id of clientIds) {
    if (id === awareness.clientID) continue; // our own state is ours
    const state = awareness.states.get(id);
    if (state !== undefined && !checkRemoteState(state)) {
      awareness.states.delete(id); // its clock stays in `meta`: a newer valid state replaces it
      dropped.push(id);
    }
  }
  if (dropped.length)
    console.warn(`presence: ignored ${dropped.length} malformed state(s) from the server`);
  return dropped;
}

/** The avatars: me first, then everyone with a valid state; the same person in two tabs shows once. */
export function peersOf(states: ReadonlyMap<number, unknown>, selfId: number, me: Me): Peer[] {
  const list: Peer[] = [{ ...me, clientId: selfId, self: true }];
  const seen = new Set([me.id]);
  for (const [clientId, value] of states) {
    if (clientId === selfId) continue;
    const user = checkRemoteState(value)?.user;
    // Anonymous visitors share one id: each of their tabs counts.
    const key = user?.kind === "anonymous" ? `anonymous:${clientId}` : user?.id;
    if (!user || !key || seen.has(key)) continue;
    seen.add(key);
    list.push({ clientId, id: user.id, name: user.name, color: user.color, self: false });
  }
  return list.sort((a, b) => Number(b.self) - Number(a.self) || a.name.localeCompare(b.name));
}
