/**
 * The collaboration core (Hocuspocus-style): accepts y-websocket connections, runs the extension
 * hooks and owns the hard parts once — one loading promise per document however many join at
 * once, debounced stores with a maximum wait, and a final flush before the last one out unloads it.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import { identify as defaultIdentify, type Identity } from "../auth/identity";
import { requestPolicyFromEnv, sameOrigin, type RequestPolicy } from "../auth/request";
import { Connection, type ConnectionLimits } from "./connection";
import { documentLimitsFromEnv } from "./document-limit";
import { presenceLimitsFromEnv, type PresenceLimits } from "./presence-limits";
import { SharedDocument } from "./shared-document";
import { CollabRefusal, type AuthResult, type CloseReason, type Extension } from "./types";

export interface CollabOptions {
  extensions: Extension[];
  /** Compaction runs this long after the last change… */
  debounceMs?: number;
  /** …but no later than this after the first one. */
  maxDebounceMs?: number;
  /** Largest WebSocket message (default 1 MiB: a 64 KiB experiment with its history fits easily). */
  maxMessageBytes?: number;
  limits?: Partial<ConnectionLimits>;
  /** Bounds on presence traffic (default: from the environment, `presence-limits.ts`). */
  presence?: Partial<PresenceLimits>;
  /** Origin check at the upgrade (default: from the environment). */
  requestPolicy?: RequestPolicy;
  /** The caller behind the upgrade's Cookie header (default: `server/auth/identity`). */
  identify?(cookieHeader: string | undefined): Promise<Identity | null>;
}

/** What a revocation check sees of one connection (attached or still authenticating). */
export interface ConnectionInfo {
  documentName: string;
  identity: Identity | null;
  /** Meaningful once attached; a pending connection's rights are not settled yet. */
  readOnly: boolean;
  pending: boolean;
}

export class CollabServer {
  private readonly documents = new Map<string, SharedDocument>();
  private readonly loading = new Map<string, Promise<SharedDocument>>();
  private readonly unloading = new Map<string, { document: SharedDocument; done: Promise<void> }>();
  private readonly connections = new Set<Connection>();
  private readonly wss: WebSocketServer;
  private readonly limits: ConnectionLimits;
  private readonly policy: RequestPolicy;
  private readonly presence: PresenceLimits;

  constructor(private readonly options: CollabOptions) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxMessageBytes ?? 1 << 20,
    });
    this.limits = {
      pingIntervalMs: 30_000,
      maxBufferedBytes: 32 << 20,
      maxQueuedMessages: 256,
      messagesPerSecond: 200,
      messageBurst: 400,
      ...options.limits,
      // Read once at start: a malformed setting stops the start, naming the variable.
      document: options.limits?.document ?? documentLimitsFromEnv(),
    };
    this.policy = options.requestPolicy ?? requestPolicyFromEnv();
    this.presence = { ...presenceLimitsFromEnv(), ...options.presence };
  }

  /**
   * Upgrades an HTTP request for `documentName` (already validated) to a collaboration socket.
   * A page on another site is refused before the upgrade (cross-site WebSocket hijacking).
   */
  handleUpgrade(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    documentName: string,
  ): void {
    if (!sameOrigin(request, this.policy)) {
      socket.end("HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    this.wss.handleUpgrade(
      request,
      socket,
      head,
      (ws) => void this.connect(ws, request, documentName),
    );
  }

  /** The open connections to a document, attached or still authenticating. */
  connectionsTo(documentName: string): ConnectionInfo[] {
    return [...this.connections].filter((c) => !c.closed && c.documentName === documentName);
  }

  /** Closes every connection (attached or still authenticating) the predicate picks; returns how many. */
  closeWhere(pick: (connection: ConnectionInfo) => boolean, reason: CloseReason): number {
    let closed = 0;
    for (const connection of this.connections) {
      if (connection.closed || !pick(connection)) continue;
      connection.close(reason);
      closed++;
    }
    return closed;
  }

  /** The live document's text when loaded (or still unloading); null otherwise. */
  liveText(documentName: string, field: string): string | null {
    const document = this.documents.get(documentName) ?? this.unloading.get(documentName)?.document;
    return document ? document.doc.getText(field).toString() : null;
  }

  get loadedCount(): number {
    return this.documents.size;
  }

  /** Flushes and unloads every document, then closes all sockets. */
  async close(): Promise<void> {
    for (const connection of this.connections) connection.close("shutdown");
    await Promise.all([...this.documents.values()].map((d) => this.unload(d)));
    await Promise.all([...this.unloading.values()].map((u) => u.done));
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }

  private async connect(
    ws: WebSocket,
    request: IncomingMessage,
    documentName: string,
  ): Promise<void> {
    // Registered before anything awaits, so a revocation during authentication finds it.
    const connection = new Connection(
      ws,
      documentName,
      this.limits,
      (c) => void this.disconnect(c),
    );
    this.connections.add(connection);
    try {
      const identity = await (this.options.identify ?? defaultIdentify)(request.headers.cookie);
      if (connection.closed) return;
      connection.identity = identity;
      const auth = await this.authenticate(documentName, identity, request);
      while (!connection.closed) {
        const document = await this.open(documentName);
        // An unload may have started while we waited; then load again.
        if (this.documents.get(documentName) !== document) continue;
        if (!connection.closed) connection.attach(document, auth.readOnly);
        break;
      }
      if (connection.closed) this.releaseIfIdle(documentName);
    } catch (error) {
      if (!(error instanceof CollabRefusal))
        console.error(`collab: opening '${documentName}' failed:`, error);
      connection.close(error instanceof CollabRefusal ? error.reason : "unavailable");
    }
  }

  private async authenticate(
    documentName: string,
    identity: Identity | null,
    request: IncomingMessage,
  ): Promise<AuthResult> {
    let readOnly = false;
    for (const ext of this.options.extensions) {
      if (ext.authenticate)
        readOnly ||= (await ext.authenticate({ documentName, identity, request })).readOnly;
    }
    return { readOnly };
  }

  /** The loaded document, or one shared loading promise for everyone who asks before it is ready. */
  private open(documentName: string): Promise<SharedDocument> {
    const loaded = this.documents.get(documentName);
    if (loaded) return Promise.resolve(loaded);
    let loading = this.loading.get(documentName);
    if (!loading) {
      loading = this.load(documentName).finally(() => this.loading.delete(documentName));
      this.loading.set(documentName, loading);
    }
    return loading;
  }

  private async load(documentName: string): Promise<SharedDocument> {
    await this.unloading.get(documentName)?.done; // the previous copy's last store must land first
    const document = new SharedDocument(
      documentName,
      {
        change: (d, update) => this.runHooks("change", { documentName, document: d.doc, update }),
        store: (d) => this.runHooks("storeDocument", { documentName, document: d.doc }),
        failed: (d, error) => this.fail(d, error),
      },
      {
        debounceMs: this.options.debounceMs ?? 2000,
        maxDebounceMs: this.options.maxDebounceMs ?? 10_000,
      },
      this.presence,
    );
    try {
      await this.runHooks("loadDocument", {
        documentName,
        document: document.doc,
        awareness: document.awareness,
      });
    } catch (error) {
      document.destroy();
      throw error;
    }
    document.track();
    this.documents.set(documentName, document);
    return document;
  }

  private async disconnect(connection: Connection): Promise<void> {
    this.connections.delete(connection);
    const document = connection.document;
    if (!document) return;
    const clientsCount = document.remove(connection);
    const documentName = document.name;
    await this.runHooks("disconnect", {
      documentName,
      document: document.doc,
      identity: connection.identity,
      clientsCount,
    });
    this.releaseIfIdle(documentName);
  }

  private releaseIfIdle(documentName: string): void {
    const document = this.documents.get(documentName);
    if (document && document.size === 0) void this.unload(document);
  }

  /** Removes the document at once (new joiners load afresh after it), then flushes and destroys it. */
  private unload(document: SharedDocument): Promise<void> {
    if (this.documents.get(document.name) !== document)
      return this.unloading.get(document.name)?.done ?? Promise.resolve();
    this.documents.delete(document.name);
    const done = document
      .flush()
      .catch((error: unknown) =>
        console.error(`collab: final store of '${document.name}' failed:`, error),
      )
      .finally(() => {
        document.destroy();
        if (this.unloading.get(document.name)?.document === document)
          this.unloading.delete(document.name);
      });
    this.unloading.set(document.name, { document, done });
    return done;
  }

  /** A write failed: drop the copy without storing; clients reconnect and resend what they have. */
  private fail(document: SharedDocument, error: unknown): void {
    console.error(`collab: persisting '${document.name}' failed; closing its connections:`, error);
    if (this.documents.get(document.name) === document) this.documents.delete(document.name);
    for (const connection of this.connections)
      if (connection.document === document) connection.close("unavailable");
    document.destroy();
  }

  private async runHooks<K extends "loadDocument" | "change" | "storeDocument" | "disconnect">(
    hook: K,
    payload: Parameters<NonNullable<Extension[K]>>[0],
  ): Promise<void> {
    for (const ext of this.options.extensions) {
      await (ext[hook] as ((p: typeof payload) => Promise<void>) | undefined)?.call(ext, payload);
    }
  }
}
