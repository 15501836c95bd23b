/**
 * The y-websocket wire format (what y-websocket's `WebsocketProvider` speaks): a varuint message
 * type, then a y-protocols sync or awareness message. Decoding is strict: anything that does not
 * parse completely throws, and the caller closes that one connection.
 */
import * as Y from "yjs";
import * as encoding from "lib0/encoding";
import * as decoding from "lib0/decoding";
import * as sync from "y-protocols/sync";
import * as awarenessProtocol from "y-protocols/awareness";

export const MESSAGE_SYNC = 0;
export const MESSAGE_AWARENESS = 1;
export const MESSAGE_QUERY_AWARENESS = 3;

export type IncomingMessage =
  | { kind: "syncStep1"; stateVector: Uint8Array }
  | { kind: "update"; update: Uint8Array } // sync step 2 and plain updates alike
  | { kind: "awareness"; update: Uint8Array }
  | { kind: "queryAwareness" };

export function decodeMessage(data: Uint8Array): IncomingMessage {
  const decoder = decoding.createDecoder(data);
  const type = decoding.readVarUint(decoder);
  let message: IncomingMessage;
  if (type === MESSAGE_SYNC) {
    const syncType = decoding.readVarUint(decoder);
    const payload = decoding.readVarUint8Array(decoder);
    if (syncType === sync.messageYjsSyncStep1) {
      Y.decodeStateVector(payload); // throws on garbage
      message = { kind: "syncStep1", stateVector: payload };
    } else if (syncType === sync.messageYjsSyncStep2 || syncType === sync.messageYjsUpdate) {
      Y.decodeUpdate(payload); // parse fully before it may touch the document
      message = { kind: "update", update: payload };
    } else throw new Error(`unknown sync message ${syncType}`);
  } else if (type === MESSAGE_AWARENESS) {
    message = { kind: "awareness", update: decoding.readVarUint8Array(decoder) };
  } else if (type === MESSAGE_QUERY_AWARENESS) {
    message = { kind: "queryAwareness" };
  } else throw new Error(`unknown message type ${type}`);
  if (decoding.hasContent(decoder)) throw new Error("trailing bytes");
  return message;
}

function encode(write: (e: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  write(encoder);
  return encoding.toUint8Array(encoder);
}

export const syncStep1Message = (doc: Y.Doc) =>
  encode((e) => {
    encoding.writeVarUint(e, MESSAGE_SYNC);
    sync.writeSyncStep1(e, doc);
  });

export const syncStep2Message = (doc: Y.Doc, stateVector: Uint8Array) =>
  encode((e) => {
    encoding.writeVarUint(e, MESSAGE_SYNC);
    sync.writeSyncStep2(e, doc, stateVector);
  });

export const updateMessage = (update: Uint8Array) =>
  encode((e) => {
    encoding.writeVarUint(e, MESSAGE_SYNC);
    sync.writeUpdate(e, update);
  });

export const awarenessMessage = (awareness: awarenessProtocol.Awareness, clients: number[]) =>
  encode((e) => {
    encoding.writeVarUint(e, MESSAGE_AWARENESS);
    encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(awareness, clients));
  });
