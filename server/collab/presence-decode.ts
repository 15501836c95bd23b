/**
 * Strict, bounded decoding of a y-protocols awareness update (`count, [clientId, clock, JSON]*`),
 * done here instead of by y-protocols so that no state is parsed before its size is known and
 * only the entries the guard asks for are parsed at all. Throws `PresenceRefusal` on anything
 * malformed or oversized (the caller closes that connection).
 */
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";

export class PresenceRefusal extends Error {}

export interface AwarenessEntry {
  clientId: number;
  clock: number;
  /** The state's JSON as UTF-8, unparsed. */
  json: Uint8Array;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function varUint(decoder: decoding.Decoder, what: string): number {
  try {
    return decoding.readVarUint(decoder);
  } catch {
    throw new PresenceRefusal(`awareness: unreadable ${what}`);
  }
}

/** The entries of an update, or null when it holds more than `maxEntries` (dropped unread). */
export function decodeAwarenessUpdate(
  bytes: Uint8Array,
  limits: { maxEntries: number; maxStateBytes: number },
): AwarenessEntry[] | null {
  const decoder = decoding.createDecoder(bytes);
  const count = varUint(decoder, "entry count");
  if (count > limits.maxEntries) return null;
  const entries: AwarenessEntry[] = [];
  for (let i = 0; i < count; i++) {
    const clientId = varUint(decoder, "client id");
    if (clientId > 0xffff_ffff) throw new PresenceRefusal("awareness: client id out of range");
    const clock = varUint(decoder, "clock");
    const length = varUint(decoder, "state length");
    if (length > limits.maxStateBytes)
      throw new PresenceRefusal(`awareness: state larger than ${limits.maxStateBytes} bytes`);
    if (length > bytes.length - decoder.pos)
      throw new PresenceRefusal("awareness: truncated state");
    entries.push({ clientId, clock, json: bytes.subarray(decoder.pos, decoder.pos + length) });
    decoder.pos += length;
  }
  if (decoder.pos !== bytes.length) throw new PresenceRefusal("awareness: trailing bytes");
  return entries;
}

/** A state's JSON: an object or null (a removal); anything else is refused. */
export function parseState(json: Uint8Array): Record<string, unknown> | null {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(json));
  } catch {
    throw new PresenceRefusal("awareness: state is not JSON");
  }
  if (value === null) return null;
  if (typeof value !== "object" || Array.isArray(value))
    throw new PresenceRefusal("awareness: state is not an object");
  return value as Record<string, unknown>;
}

/** Encodes entries the server checked, as y-protocols' `applyAwarenessUpdate` reads them. */
export function encodeAwarenessUpdate(
  entries: { clientId: number; clock: number; state: unknown }[],
): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, entries.length);
  for (const { clientId, clock, state } of entries) {
    encoding.writeVarUint(e, clientId);
    encoding.writeVarUint(e, clock);
    encoding.writeVarString(e, JSON.stringify(state));
  }
  return encoding.toUint8Array(e);
}
