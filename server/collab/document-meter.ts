/**
 * What a loaded shared document holds, cheap enough to ask before every update:
 *
 * - the UTF-8 bytes of its YAML text, exact, kept up to date from each transaction's own items
 *   (never a walk over the whole text per keystroke: a text of 60 000 one-letter items takes
 *   ~60 ms to read out);
 * - its encoded size (`Y.encodeStateAsUpdate`), measured exactly at most once a second (that walk
 *   costs ~0.3 s per MiB of fragmented history) and bounded from above in between by what each
 *   applied update can add.
 *
 * And, for one incoming update before it is applied: how many text bytes it can add at most, how
 * many of the existing text's bytes its deletions remove at least, and how much it can grow the
 * encoding at most.
 */
import * as Y from "yjs";
import { utf8Bytes } from "../limits/yaml-size";

/** A split through a surrogate pair turns it into two U+FFFD: 4 UTF-8 bytes become 6. */
const PAIR_SPLIT_BYTES = 2;
const REPLACEMENT = "\uFFFD";

/**
 * Most bytes one item split adds to the encoding: an info byte, the right half's origin and right
 * origin ids (client ≤ 5 + clock ≤ 8 bytes each), a content length (≤ 8) and a surrogate pair cut
 * into two replacement characters (+2).
 */
const SPLIT_BYTES = 40;

/** What an update can do to a document, read before it is applied. */
export interface UpdateEffect {
  /** Text bytes the update's strings (and any pending structs it may release) can add, at most. */
  textAdded: number;
  /** Bytes of the current YAML text its deletions remove, at least. */
  textRemoved: number;
  /** Bytes the encoded document can grow by, at most. */
  growth: number;
  /** The update carries new items (not only deletions). */
  inserts: boolean;
}

type Range = { clock: number; len: number };

/** The delete set's ranges per client, sorted and merged (an update may list a range twice). */
function mergedRanges(ds: { clients: Map<number, Range[]> }): Map<number, Range[]> {
  const out = new Map<number, Range[]>();
  for (const [client, ranges] of ds.clients) {
    const sorted = [...ranges].sort((a, b) => a.clock - b.clock);
    const merged: Range[] = [];
    for (const r of sorted) {
      const last = merged.at(-1);
      if (last && r.clock <= last.clock + last.len)
        last.len = Math.max(last.len, r.clock + r.len - last.clock);
      else merged.push({ clock: r.clock, len: r.len });
    }
    out.set(client, merged);
  }
  return out;
}

const stringBytes = (structs: readonly Y.AbstractStruct[]): number => {
  let bytes = 0;
  for (const s of structs)
    if (s instanceof Y.Item && s.content instanceof Y.ContentString)
      bytes += utf8Bytes(s.content.str);
  return bytes;
};

/** The encoding can grow by the update's own bytes plus two splits per item and per deleted range. */
function growthBound(bytes: number, structs: number, ranges: number): number {
  return bytes + SPLIT_BYTES * 2 * (structs + ranges);
}

/** The struct holding `clock` in one client's clock-ordered list, if any. */
function containing(
  list: readonly Y.AbstractStruct[] | undefined,
  clock: number,
): Y.AbstractStruct | undefined {
  if (!list?.length) return undefined;
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = list[mid];
    if (clock < s.id.clock) hi = mid - 1;
    else if (clock >= s.id.clock + s.length) lo = mid + 1;
    else return s;
  }
  return undefined;
}

function rangeCount(ranges: Map<number, Range[]>): number {
  let n = 0;
  for (const list of ranges.values()) n += list.length;
  return n;
}

export class DocumentMeter {
  private readonly text: Y.Text;
  private bytes: number;
  private encoded = 0;
  /** Upper bound of what the encoding grew by since it was measured. */
  private drift = 0;
  private measuredAt = -Infinity;

  constructor(
    readonly doc: Y.Doc,
    field: string,
    private readonly minMeasureIntervalMs = 1000,
    private readonly now: () => number = Date.now,
  ) {
    this.text = doc.getText(field);
    this.bytes = utf8Bytes(this.text.toString());
    this.measure();
    doc.on("afterTransaction", this.onTransaction);
    doc.on("update", this.onUpdate);
  }

  /** UTF-8 bytes of the YAML text now (exact). */
  get textBytes(): number {
    return this.bytes;
  }

  /** An upper bound of the encoded document's size now (exact right after a measurement). */
  get documentBytes(): number {
    return this.encoded + this.drift;
  }

  /**
   * Measures the encoding exactly if anything may have changed since and the last measurement is
   * at least `minMeasureIntervalMs` old (so no flood of updates can make every one pay for it);
   * returns whether it measured.
   */
  remeasure(): boolean {
    if (this.drift === 0 || this.now() - this.measuredAt < this.minMeasureIntervalMs) return false;
    this.measure();
    return true;
  }

  /** What `update` can do to this document; throws on bytes Yjs cannot decode. */
  effectOf(update: Uint8Array): UpdateEffect {
    const { structs, ds } = Y.decodeUpdate(update);
    const ranges = mergedRanges(ds as unknown as { clients: Map<number, Range[]> });
    let textAdded = stringBytes(structs) + PAIR_SPLIT_BYTES * this.pairSplits(structs);
    // Structs parked for a missing dependency join the text when it arrives: count them too
    // (Yjs keeps them in its V2 encoding).
    const pending = this.doc.store.pendingStructs;
    if (pending) {
      const parked = Y.decodeUpdateV2(pending.update).structs;
      textAdded += stringBytes(parked) + 2 * PAIR_SPLIT_BYTES * parked.length;
    }
    return {
      textAdded,
      textRemoved: this.existingTextBytesIn(ranges),
      growth: growthBound(update.byteLength, structs.length, rangeCount(ranges)),
      inserts: structs.some((s) => !(s instanceof Y.Skip)),
    };
  }

  /**
   * How many surrogate pairs the new items would cut where they attach (each cut turns 4 bytes
   * into two U+FFFD, 6 bytes): an origin right after a high surrogate, a right origin right
   * after one, in the document or in the update itself.
   */
  private pairSplits(structs: readonly Y.AbstractStruct[]): number {
    const own = new Map<number, Y.AbstractStruct[]>();
    for (const s of structs) {
      const list = own.get(s.id.client);
      if (list) list.push(s);
      else own.set(s.id.client, [s]);
    }
    const cutsPair = (id: Y.ID | null, after: number) => {
      if (!id) return false;
      const item =
        containing(this.doc.store.clients.get(id.client), id.clock) ??
        containing(own.get(id.client), id.clock);
      if (!(item instanceof Y.Item && item.content instanceof Y.ContentString)) return false;
      const cut = id.clock - item.id.clock + after;
      if (cut <= 0 || cut >= item.length) return false;
      const code = item.content.str.charCodeAt(cut - 1);
      return code >= 0xd800 && code <= 0xdbff;
    };
    let splits = 0;
    for (const s of structs)
      if (s instanceof Y.Item)
        splits += Number(cutsPair(s.origin, 1)) + Number(cutsPair(s.rightOrigin, 0));
    return splits;
  }

  /** Exact sizes; the text's too, which pair splits may have left a few bytes above the truth. */
  private measure(): void {
    this.bytes = utf8Bytes(this.text.toString());
    this.encoded = Y.encodeStateAsUpdate(this.doc).byteLength;
    this.drift = 0;
    this.measuredAt = this.now();
  }

  /**
   * Bytes of live text items inside the ranges. An item only partly inside counts one byte per
   * UTF-16 unit deleted: never more than its UTF-8 bytes, so the result stays a lower bound.
   */
  private existingTextBytesIn(ranges: Map<number, Range[]>): number {
    let removed = 0;
    for (const [client, list] of ranges) {
      const structs = this.doc.store.clients.get(client);
      if (!structs?.length) continue;
      const last = structs[structs.length - 1];
      const known = last.id.clock + last.length;
      for (const { clock, len } of list) {
        if (clock >= known) continue;
        const end = Math.min(clock + len, known);
        for (let i = Y.findIndexSS(structs, clock); i < structs.length; i++) {
          const s = structs[i];
          if (s.id.clock >= end) break;
          if (!this.isLiveText(s)) continue;
          const from = Math.max(clock, s.id.clock);
          const to = Math.min(end, s.id.clock + s.length);
          removed +=
            from === s.id.clock && to === s.id.clock + s.length
              ? utf8Bytes(s.content.str)
              : to - from;
        }
      }
    }
    return removed;
  }

  private isLiveText(s: Y.AbstractStruct): s is Y.Item & { content: Y.ContentString } {
    return (
      s instanceof Y.Item &&
      !s.deleted &&
      s.parent === this.text &&
      s.content instanceof Y.ContentString
    );
  }

  /**
   * Keeps `bytes` exact, or a few bytes above: strings this transaction added to the text, minus
   * those it deleted, and 2 bytes for each surrogate pair that may have been split (its 4 bytes
   * became two U+FFFD, 6 bytes): U+FFFD where a new item attaches, or on both sides of a deleted
   * item's edge. A U+FFFD typed by someone may count as a split: the count errs upwards only.
   */
  private onTransaction = (tr: Y.Transaction) => {
    if (!(tr.changed as Map<unknown, unknown>).has(this.text)) return;
    for (const [client, after] of tr.afterState) {
      const before = tr.beforeState.get(client) ?? 0;
      if (after <= before) continue;
      const structs = this.doc.store.clients.get(client)!;
      for (let i = Y.findIndexSS(structs, before); i < structs.length; i++) {
        const s = structs[i];
        if (s.id.clock >= after) break;
        if (s.id.clock >= before && this.isLiveText(s))
          this.bytes += utf8Bytes(s.content.str) + PAIR_SPLIT_BYTES * this.attachCuts(s);
      }
    }
    const deleted = tr.deleteSet as unknown as { clients: Map<number, Range[]> };
    for (const [client, list] of deleted.clients) {
      const structs = this.doc.store.clients.get(client);
      if (!structs) continue;
      const before = tr.beforeState.get(client) ?? 0;
      for (const { clock, len } of list) {
        for (let i = Y.findIndexSS(structs, clock); i < structs.length; i++) {
          const s = structs[i];
          if (s.id.clock >= clock + len) break;
          // Items made and deleted in this same transaction were never counted.
          if (s.id.clock >= before) continue;
          if (s instanceof Y.Item && s.parent === this.text && s.content instanceof Y.ContentString)
            this.bytes -= Math.max(
              0,
              utf8Bytes(s.content.str) - PAIR_SPLIT_BYTES * this.pairCuts(s, s.content.str),
            );
        }
      }
    }
  };

  /** How many of a new item's two attachment points may have split a surrogate pair. */
  private attachCuts(item: Y.Item): number {
    const replaced = (id: Y.ID | null) => {
      if (!id) return false;
      const n = Y.getItem(this.doc.store, id);
      return (
        n instanceof Y.Item &&
        n.content instanceof Y.ContentString &&
        n.content.str[id.clock - n.id.clock] === REPLACEMENT
      );
    };
    return Number(replaced(item.origin)) + Number(replaced(item.rightOrigin));
  }

  /** How many of a deleted item's two edges may be a split surrogate pair (U+FFFD on both sides). */
  private pairCuts(item: Y.Item, str: string): number {
    const edge = (n: Y.Item | null, atEnd: boolean) =>
      n?.content instanceof Y.ContentString &&
      (atEnd ? n.content.str.endsWith(REPLACEMENT) : n.content.str.startsWith(REPLACEMENT));
    return (
      Number(str.startsWith(REPLACEMENT) && edge(item.left, true)) +
      Number(str.endsWith(REPLACEMENT) && edge(item.right, false))
    );
  }

  private onUpdate = (update: Uint8Array) => {
    const { structs, ds } = Y.decodeUpdate(update);
    const ranges = mergedRanges(ds as unknown as { clients: Map<number, Range[]> });
    this.drift += growthBound(update.byteLength, structs.length, rangeCount(ranges));
  };
}
