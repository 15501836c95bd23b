"use client";
/**
 * When the server closes the shared document's connection for good (a refused oversized change,
 * a flood, lost access), the editor stops syncing: this says why, in plain words, and offers a
 * reload instead of leaving the page silently offline.
 */
import { useEffect, useState } from "react";
import type { WebsocketProvider } from "y-websocket";
import { closeMessage, type DocumentClose } from "./close-message";

/** The close y-websocket will not retry (4400–4499), once it happened; null before. */
export function useDocumentClose(provider: WebsocketProvider | undefined): DocumentClose | null {
  const [closed, setClosed] = useState<{ provider: WebsocketProvider; close: DocumentClose }>();
  useEffect(() => {
    if (!provider) return;
    const onClosed = ({ code, reason }: DocumentClose) =>
      setClosed({ provider, close: { code, reason } });
    provider.on("closed", onClosed);
    return () => provider.off("closed", onClosed);
  }, [provider]);
  return closed && closed.provider === provider ? closed.close : null;
}

export function ConnectionClosed({ close }: { close: DocumentClose }) {
  return (
    <div
      role="alert"
      data-testid="connection-closed"
      data-code={close.code}
      className="flex items-center gap-3 border-b border-red-900 bg-red-950/80 px-4 py-2 text-sm text-red-100"
    >
      <p className="flex-1">{closeMessage(close)}</p>
      <button className="btn" onClick={() => location.reload()}>
        Reload
      </button>
    </div>
  );
}
