/**
 * The shared document's size limit, checked on every document update before it is applied, stored
 * or relayed (`connection.ts`):
 *
 * - the YAML text (`Y.Text` `yaml`) stays within `CLIPIG_MAX_YAML_BYTES`, the same setting the
 *   server actions, revisions and runs enforce (`server/limits/yaml-size.ts`);
 * - the encoded document (every shared type, deleted-item history, parked updates) stays within
 *   `CLIPIG_MAX_DOCUMENT_BYTES` (default 1 MiB). Why 1 MiB: it is the largest message the server
 *   takes, so a client can always send the whole document back after a restart; a 64 KiB text
 *   pasted whole and then edited by hundreds of sessions stays far below it; and the work that
 *   walks the whole document (storing, a joiner's sync, reading the text) stays under ~0.3 s;
 * - what one connection writes per second (`CLIPIG_DOCUMENT_WRITE_BYTES_PER_SECOND`, burst: one
 *   whole document), so inserting and deleting a full text over and over cannot fill the database
 *   between compactions.
 *
 * An update that would leave the text or the document over its limit and larger than before is
 * refused (an oversized document from before this check can still be cut down).
 */
import type * as Y from "yjs";
import { YJS_TEXT_FIELD } from "../realtime/protocol";
import { settingsFromEnv, type Env, type SettingRow } from "../limits/env-settings";
import { quotasFromEnv } from "../limits/quotas";
import { formatBytes } from "../limits/yaml-size";
import { DocumentMeter } from "./document-meter";

export interface DocumentLimits {
  /** UTF-8 bytes of the YAML text (`CLIPIG_MAX_YAML_BYTES`, shared with the server actions). */
  maxTextBytes: number;
  /** Bytes of the encoded document (`Y.encodeStateAsUpdate`). */
  maxDocumentBytes: number;
  /** Update bytes one connection may write per second; a whole document at once. */
  writeBytesPerSecond: number;
}

/** The document's own settings; the text limit is the quota table's `maxYamlBytes`. */
export const DOCUMENT_LIMIT_TABLE: Readonly<
  Record<Exclude<keyof DocumentLimits, "maxTextBytes">, SettingRow>
> = {
  maxDocumentBytes: {
    env: "CLIPIG_MAX_DOCUMENT_BYTES",
    default: 1 << 20,
    min: 16 * 1024,
    max: 64 << 20,
    doc: "encoded shared document (Yjs), bytes",
  },
  writeBytesPerSecond: {
    env: "CLIPIG_DOCUMENT_WRITE_BYTES_PER_SECOND",
    default: 64 * 1024,
    min: 1024,
    max: 64 << 20,
    doc: "document update bytes per connection and second",
  },
};

/** Limits from the environment; throws naming the variable when a value is malformed or inconsistent. */
export function documentLimitsFromEnv(env: Env = process.env): DocumentLimits {
  const out: DocumentLimits = {
    maxTextBytes: quotasFromEnv(env).maxYamlBytes,
    ...settingsFromEnv(DOCUMENT_LIMIT_TABLE, env),
  };
  // A text at its limit, replaced in one edit, must still fit the document.
  if (out.maxDocumentBytes < 4 * out.maxTextBytes)
    throw new Error(
      `CLIPIG_MAX_DOCUMENT_BYTES (${out.maxDocumentBytes}) must be at least 4 × CLIPIG_MAX_YAML_BYTES (${out.maxTextBytes})`,
    );
  return out;
}

/** Why an update was refused: `reason` fits a WebSocket close frame (≤ 123 bytes). */
export interface DocumentRefusal {
  limit: "text" | "document";
  reason: string;
}

const meters = new WeakMap<Y.Doc, DocumentMeter>();

/** The meter of a loaded document, made on its first update. */
export function meterOf(doc: Y.Doc): DocumentMeter {
  let meter = meters.get(doc);
  if (!meter) meters.set(doc, (meter = new DocumentMeter(doc, YJS_TEXT_FIELD)));
  return meter;
}

/**
 * Null when `update` keeps `doc` within `limits`; else why not. Call it before applying the
 * update; throws on bytes Yjs cannot decode (the caller treats that as a malformed message).
 */
export function checkDocumentUpdate(
  doc: Y.Doc,
  update: Uint8Array,
  limits: DocumentLimits,
  meter: DocumentMeter = meterOf(doc),
): DocumentRefusal | null {
  const effect = meter.effectOf(update);
  const textAfter = () => meter.textBytes + effect.textAdded - effect.textRemoved;
  const textOver = () => textAfter() > limits.maxTextBytes && textAfter() > meter.textBytes;
  // Growth only with new items, or while the document is within the limit: deleting is how an
  // oversized document from before this check gets smaller.
  const documentOver = () =>
    meter.documentBytes + effect.growth > limits.maxDocumentBytes &&
    (effect.inserts || meter.documentBytes <= limits.maxDocumentBytes);
  // The bounds err upwards between measurements: measure once before refusing.
  if (textOver() || documentOver()) meter.remeasure();
  if (textOver())
    return {
      limit: "text",
      reason: `document too large: the text may hold at most ${formatBytes(limits.maxTextBytes)}`,
    };
  if (documentOver())
    return {
      limit: "document",
      reason: `document too large: it may hold at most ${formatBytes(limits.maxDocumentBytes)} with its history`,
    };
  return null;
}
