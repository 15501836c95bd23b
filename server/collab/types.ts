/**
 * The hooks of the collaboration server (Hocuspocus-style). The core (`collab-server.ts`) owns
 * connections, loading, debouncing and unloading; product logic lives in extensions that
 * implement a few of these optional hooks, each with its own typed payload.
 */
import type { IncomingMessage } from "node:http";
import type * as Y from "yjs";
import type { Awareness } from "y-protocols/awareness";
import type { Identity } from "../auth/identity";

export interface AuthenticatePayload {
  documentName: string;
  identity: Identity | null;
  request: IncomingMessage;
}

/** What `authenticate` decides; refusing is done by throwing a `CollabRefusal`. */
export interface AuthResult {
  /** The server drops document updates from a read-only connection (awareness still flows). */
  readOnly: boolean;
}

export interface LoadPayload {
  documentName: string;
  document: Y.Doc;
  /** The document's presence (cursors, names); absent when loading outside the server (recovery). */
  awareness?: Awareness;
}

/** One batch of document updates, merged; the server relays it only after every `change` hook resolved. */
export interface ChangePayload {
  documentName: string;
  document: Y.Doc;
  update: Uint8Array;
}

export interface StorePayload {
  documentName: string;
  document: Y.Doc;
}

export interface DisconnectPayload {
  documentName: string;
  document: Y.Doc;
  identity: Identity | null;
  /** Connections left on the document after this one closed. */
  clientsCount: number;
}

export interface Extension {
  /** Throw a `CollabRefusal` to refuse; the most restrictive result of all extensions wins. */
  authenticate?(payload: AuthenticatePayload): Promise<AuthResult>;
  /** Fills a fresh document (apply stored updates); runs once per load, however many join at once. */
  loadDocument?(payload: LoadPayload): Promise<void>;
  /** Makes one batch of updates durable, promptly. */
  change?(payload: ChangePayload): Promise<void>;
  /** Debounced with a maximum wait; also runs before the document is unloaded. */
  storeDocument?(payload: StorePayload): Promise<void>;
  disconnect?(payload: DisconnectPayload): Promise<void>;
}

/**
 * Closed list of reasons a connection is closed by the server (WebSocket close codes). y-websocket
 * clients do not reconnect after 4400–4499: those mean "retrying will not help".
 */
export const CLOSE = {
  /** Rights shrank but some remain: reconnect (y-websocket does, for codes outside 4400–4499). */
  accessChanged: { code: 4001, reason: "access changed" },
  badMessage: { code: 4400, reason: "malformed message" },
  unauthorized: { code: 4401, reason: "unauthorized" },
  forbidden: { code: 4403, reason: "forbidden" },
  notFound: { code: 4404, reason: "not found" },
  tooLarge: { code: 1009, reason: "message too large" },
  /** An update would take the document past its size limit (`document-limit.ts`); not applied. */
  documentTooLarge: { code: 4413, reason: "document too large" },
  tooSlow: { code: 4429, reason: "client too slow" },
  rateLimited: { code: 4420, reason: "too many messages" },
  unavailable: { code: 4503, reason: "document unavailable" },
  shutdown: { code: 1001, reason: "server shutting down" },
} as const;

export type CloseReason = keyof typeof CLOSE;

/** Thrown by hooks to refuse a connection with one of the closed reasons. */
export class CollabRefusal extends Error {
  constructor(readonly reason: CloseReason) {
    super(CLOSE[reason].reason);
  }
}
