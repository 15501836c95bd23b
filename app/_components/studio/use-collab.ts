"use client";
/**
 * The room's shared document: a Y.Doc synced over `/yjs/<experimentId>` (y-websocket protocol),
 * its Y.Text `yaml`, this user's presence in the awareness and a per-user undo manager.
 */
import { useEffect, useState } from "react";
import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";
import { YJS_PATH, YJS_TEXT_FIELD } from "@/server/realtime/protocol";
import { dropInvalidStates, peersOf, type Me, type Peer } from "./presence-state";

export type { Me, Peer } from "./presence-state";

export type SyncStatus = "connecting" | "connected" | "disconnected";

export interface Collab {
  doc: Y.Doc;
  ytext: Y.Text;
  provider: WebsocketProvider;
  undoManager: Y.UndoManager;
}

/** The server loads the document from the database (seeding it from the stored YAML on first open). */
export function useCollab(experimentId: string, me: Me) {
  const [collab, setCollab] = useState<Collab | null>(null);
  const [status, setStatus] = useState<SyncStatus>("connecting");
  const [synced, setSynced] = useState(false);
  const [peers, setPeers] = useState<Peer[]>([]);

  useEffect(() => {
    const doc = new Y.Doc();
    const ytext = doc.getText(YJS_TEXT_FIELD);
    const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${YJS_PATH}`;
    const provider = new WebsocketProvider(url, experimentId, doc, { maxBackoffTime: 2500 });
    const undoManager = new Y.UndoManager(ytext, { captureTimeout: 400 });
    provider.awareness.setLocalStateField("user", {
      id: me.id,
      name: me.name,
      color: me.color,
      colorLight: `${me.color}40`,
    });

    const onStatus = ({ status: s }: { status: SyncStatus }) => setStatus(s);
    const onSync = (isSynced: boolean) => setSynced(isSynced);
    // Registered before the editor's listener: a malformed remote state is gone before it renders.
    const onAwareness = (change?: { added: number[]; updated: number[] }) => {
      if (change) dropInvalidStates(provider.awareness, [...change.added, ...change.updated]);
      setPeers(
        peersOf(provider.awareness.getStates(), doc.clientID, {
          id: me.id,
          name: me.name,
          color: me.color,
        }),
      );
    };
    provider.on("status", onStatus);
    provider.on("sync", onSync);
    provider.awareness.on("change", onAwareness);
    onAwareness();
    setCollab({ doc, ytext, provider, undoManager });
    return () => {
      provider.awareness.off("change", onAwareness);
      provider.off("status", onStatus);
      provider.off("sync", onSync);
      undoManager.destroy();
      provider.destroy();
      doc.destroy();
      setCollab(null);
      setSynced(false);
    };
  }, [experimentId, me.id, me.name, me.color]);

  return { collab, status, synced, peers };
}

/**
 * Replaces the shared text with `next` as one edit that touches only the changed middle, so other
 * people's carets outside it stay put; the change is this user's, hence undoable by them.
 */
export function replaceText(ytext: Y.Text, next: string) {
  const prev = ytext.toString();
  let start = 0;
  while (start < prev.length && start < next.length && prev[start] === next[start]) start++;
  let endPrev = prev.length;
  let endNext = next.length;
  while (endPrev > start && endNext > start && prev[endPrev - 1] === next[endNext - 1]) {
    endPrev--;
    endNext--;
  }
  ytext.doc!.transact(() => {
    if (endPrev > start) ytext.delete(start, endPrev - start);
    if (endNext > start) ytext.insert(start, next.slice(start, endNext));
  });
}
