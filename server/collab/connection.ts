/**
 * One WebSocket client of the collaboration server. Decodes strictly, buffers messages until its
 * document is loaded, keeps the socket alive with pings, and closes only itself on bad input,
 * oversized messages or a consumer too slow to drain what it is sent.
 */
import WebSocket from "ws";
import type { Identity } from "../auth/identity";
import { rateLimiter, type RateLimiter } from "../limits";
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

  constructor(
    readonly ws: WebSocket,
    readonly documentName: string,
    private readonly limits: ConnectionLimits,
    onClose: (connection: Connection) => void,
  ) {
    this.rate = rateLimiter({ perSecond: limits.messagesPerSecond, burst: limits.messageBurst });
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

  close(reason: CloseReason): void {
    if (this.closed) return;
    this.ws.close(CLOSE[reason].code, CLOSE[reason].reason);
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
      this.document?.receive(this, message);
    } catch {
      this.close("badMessage");
    }
  }
}
