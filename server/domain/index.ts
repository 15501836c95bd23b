/**
 * The studio's own vocabulary — roles, ids, run states, run outputs, model downloads, error
 * codes — shared by every part of the server and by `app/`. It imports nothing (an ESLint rule
 * holds it to that), so any folder may depend on it without a cycle; the wire protocol
 * (`realtime/protocol.ts`) builds its events from these names.
 */
export * from "./errors";
export * from "./ids";
export * from "./models";
export * from "./roles";
export * from "./runs";
