/**
 * One WebSocket client of the collaboration server. Decodes strictly, buffers messages until its
 * document is loaded, keeps the socket alive with pings, checks every document update against the
 * document's size limits before it is applied, and closes only itself on bad input, oversized
 * messages or documents, or a consumer too slow to drain what it is sent.
 */
import WebSocket from "ws";
import type { Identity } from "../auth/identity";
import { rateLimiter, type RateLimiter } from "../limits";
import { checkDocumentUpdate, type DocumentLimits } from "./document-limit";
import { decodeMessage, type IncomingMessage } from "./messages";
import type { Peer, SharedDocument } from "./shared-document";
import { CLOSE, type CloseReason } from "./types";

export interface ConnectionLimits {
  pingIntervalMs: number;
  /** Close a client whose unsent backlog grows past this. */
  maxBufferedBytes: number;
  /** Messages held while the document loads. */
  maxQueuedMessages: number;
  /** A token bucket per connection: a client flooding messages is closed (`rateLimited`). */
  messagesPerSecond: number;
  messageBurst: number;
  /** Size limits of the document and the write rate (`document-limit.ts`). */
  document: DocumentLimits;
}

/** Close reasons travel in a close frame: at most 123 UTF-8 bytes. */
function closeText(text: string): string {
  let out = text;
  while (Buffer.byteLength(out) > 123) out = out.slice(0, -1);
  return out;
}

export class Connection implements Peer {
  readOnly = true;
  /** Set once the upgrade's cookie is resolved. */
  identity: Identity | null = null;
  document: SharedDocument | null = null;
  private queue: IncomingMessage[] = [];
  private alive = true;
  private readonly ping: ReturnType<typeof setInterval>;
  private readonly rate: RateLimiter;
  private readonly documentLimits: DocumentLimits;
  /** Update bytes this connection may still write (a whole document at once, then a steady rate). */
  private readonly writes: RateLimiter;

  constructor(
    readonly ws: WebSocket,
    readonly documentName: string,
    private readonly limits: ConnectionLimits,
    onClose: (connection: Connection) => void,
  ) {
    this.rate = rateLimiter({ perSecond: limits.messagesPerSecond, burst: limits.messageBurst });
    this.documentLimits = limits.document;
    this.writes = rateLimiter({
      perSecond: this.documentLimits.writeBytesPerSecond,
      burst: this.documentLimits.maxDocumentBytes,
    });
    ws.binaryType = "nodebuffer";
    ws.on("message", (data, isBinary) => this.onMessage(data, isBinary));
    ws.on("pong", () => (this.alive = true));
    ws.on("error", () => ws.terminate());
    ws.once("close", () => {
      clearInterval(this.ping);
      onClose(this);
    });
    this.ping = setInterval(() => {
      if (!this.alive) return ws.terminate();
      this.alive = false;
      ws.ping();
    }, limits.pingIntervalMs);
  }

  /** Still authenticating or loading: not yet on its document. */
  get pending(): boolean {
    return this.document === null;
  }

  get closed(): boolean {
    return this.ws.readyState === WebSocket.CLOSING || this.ws.readyState === WebSocket.CLOSED;
  }

  /** Joins the loaded document and replays what arrived meanwhile. */
  attach(document: SharedDocument, readOnly: boolean): void {
    this.document = document;
    this.readOnly = readOnly;
    document.add(this);
    const queued = this.queue;
    this.queue = [];
    for (const message of queued) this.deliver(message);
  }

  send(message: Uint8Array): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (this.ws.bufferedAmount > this.limits.maxBufferedBytes) return this.close("tooSlow");
    this.ws.send(message, (error) => {
      if (error) this.ws.terminate();
    });
  }

  /** Closes with one of the closed reasons; `detail` replaces its text (e.g. naming a limit). */
  close(reason: CloseReason, detail?: string): void {
    if (this.closed) return;
    this.ws.close(CLOSE[reason].code, closeText(detail ?? CLOSE[reason].reason));
  }

  private onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    if (this.closed) return;
    if (!this.rate.take()) return this.close("rateLimited");
    if (!isBinary) return this.close("badMessage");
    let message: IncomingMessage;
    try {
      const bytes = Buffer.isBuffer(data)
        ? data
        : Array.isArray(data)
          ? Buffer.concat(data)
          : Buffer.from(data);
      message = decodeMessage(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    } catch {
      return this.close("badMessage");
    }
    if (this.document) this.deliver(message);
    else if (this.queue.push(message) > this.limits.maxQueuedMessages) this.close("badMessage");
  }

  private deliver(message: IncomingMessage): void {
    try {
      if (
        message.kind === "update" &&
        !this.readOnly &&
        this.document &&
        !this.admit(message.update)
      )
        return;
      this.document?.receive(this, message);
    } catch {
      this.close("badMessage");
    }
  }

  /** An update over the write rate or the size limits closes the connection and is never applied. */
  private admit(update: Uint8Array): boolean {
    if (!this.writes.take(update.byteLength)) {
      this.close("rateLimited", "too many document changes");
      return false;
    }
    const refusal = checkDocumentUpdate(this.document!.doc, update, this.documentLimits);
    if (refusal) this.close("documentTooLarge", refusal.reason);
    return refusal === null;
  }
}
