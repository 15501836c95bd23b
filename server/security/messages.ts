/** Hand-made y-websocket frames for the attacker suite (what a patched client could send). */
import * as encoding from "lib0/encoding";

/** A sync message: `kind` 0 = step 1 (state vector), 1 = step 2, 2 = update. */
export function encodeSyncUpdate(kind: 0 | 1 | 2, payload: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint(e, kind);
  encoding.writeVarUint8Array(e, payload);
  return encoding.toUint8Array(e);
}

/** An awareness message around arbitrary bytes. */
export function encodeAwareness(payload: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 1);
  encoding.writeVarUint8Array(e, payload);
  return encoding.toUint8Array(e);
}

/** One client's entry in an awareness update, its state as raw JSON. */
export type AwarenessEntry = [clientId: number, clock: number, json: string];

/** An awareness update's bytes from raw JSON strings, as a patched client could send them. */
export function awarenessUpdate(entries: readonly AwarenessEntry[]): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, entries.length);
  for (const [id, clock, json] of entries) {
    encoding.writeVarUint(e, id);
    encoding.writeVarUint(e, clock);
    encoding.writeVarString(e, json);
  }
  return encoding.toUint8Array(e);
}
