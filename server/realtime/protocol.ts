/**
 * The Socket.IO wire protocol, shared by server and app: event maps for both directions.
 * Payloads are validated in each handler anyway; these types are the contract, not the check.
 */
export const PROTOCOL_VERSION = 1;

export type ErrorCode = "bad_request" | "forbidden" | "not_found" | "invalid_experiment" | "rate_limited" | "internal";

export interface ServerHello {
  protocol: number;
  server: string;
}

export interface ClientToServerEvents {
  "room:join": (payload: { experimentId: string }, ack: (res: { ok: true } | { ok: false; code: ErrorCode; message: string }) => void) => void;
}

export interface ServerToClientEvents {
  hello: (payload: ServerHello) => void;
  error: (payload: { code: ErrorCode; message: string }) => void;
}
