import * as encoding from "lib0/encoding";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import {
  checkDocumentUpdate,
  DOCUMENT_LIMIT_TABLE,
  documentLimitsFromEnv,
  type DocumentLimits,
} from "./document-limit";
import { DocumentMeter } from "./document-meter";

const LIMITS: DocumentLimits = {
  maxTextBytes: 64 * 1024,
  maxDocumentBytes: 1 << 20,
  writeBytesPerSecond: 64 * 1024,
};
const bytesOf = (doc: Y.Doc) => Buffer.byteLength(doc.getText("yaml").toString());
const encodedOf = (doc: Y.Doc) => Y.encodeStateAsUpdate(doc).byteLength;

/** A server copy and an editor's copy of one document, in sync. */
function pair(initial = "") {
  const server = new Y.Doc();
  if (initial) server.getText("yaml").insert(0, initial);
  const editor = new Y.Doc();
  Y.applyUpdate(editor, Y.encodeStateAsUpdate(server));
  return { server, editor, text: editor.getText("yaml") };
}

/** The update an edit on the editor's copy produces. */
function edit(editor: Y.Doc, change: () => void): Uint8Array {
  const before = Y.encodeStateVector(editor);
  change();
  return Y.encodeStateAsUpdate(editor, before);
}

/** Applies an update if the limit admits it; the verdict. */
function offer(server: Y.Doc, update: Uint8Array, limits = LIMITS, meter?: DocumentMeter) {
  const refusal = checkDocumentUpdate(server, update, limits, meter);
  if (!refusal) Y.applyUpdate(server, update);
  return refusal;
}

/** Seeded random numbers (mulberry32). */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("document limit", () => {
  it("refuses 8 × 1 MB inserts, and one byte past the text limit; the document is unchanged", () => {
    const { server, editor, text } = pair("model: tiny-clip\n");
    for (let i = 0; i < 8; i++) {
      const update = edit(editor, () => text.insert(0, "x".repeat(1_000_000)));
      expect(offer(server, update)).toMatchObject({ limit: "text" });
    }
    expect(server.getText("yaml").toString()).toBe("model: tiny-clip\n");

    const fresh = pair("model: tiny-clip\n");
    const room = LIMITS.maxTextBytes - bytesOf(fresh.server);
    const over = edit(fresh.editor, () => fresh.text.insert(0, "y".repeat(room + 1)));
    expect(offer(fresh.server, over)?.reason).toBe(
      "document too large: the text may hold at most 64 KiB",
    );
    expect(bytesOf(fresh.server)).toBe(17);
  });

  it("admits edits up to the limit exactly, and a replace-all of a full text", () => {
    const { server, editor, text } = pair("a: 1\n");
    // Typed and pasted in pieces, the last one landing on the limit.
    const meter = new DocumentMeter(server, "yaml", 0);
    while (bytesOf(server) < LIMITS.maxTextBytes) {
      const room = LIMITS.maxTextBytes - bytesOf(server);
      const piece = "é".repeat(Math.min(700, Math.floor(room / 2))) || "z".repeat(room);
      expect(
        offer(
          server,
          edit(editor, () => text.insert(text.length, piece)),
          LIMITS,
          meter,
        ),
      ).toBe(null);
    }
    expect(bytesOf(server)).toBe(LIMITS.maxTextBytes);
    expect(meter.textBytes).toBe(LIMITS.maxTextBytes);
    // Full: one more letter is refused, a letter for a letter is not.
    expect(
      offer(
        server,
        edit(editor, () => text.insert(0, "q")),
        LIMITS,
        meter,
      ),
    ).not.toBe(null);
    const { server: s2, editor: e2, text: t2 } = pair("x".repeat(LIMITS.maxTextBytes));
    const swap = edit(e2, () => {
      t2.delete(0, 1);
      t2.insert(0, "w");
    });
    expect(offer(s2, swap)).toBe(null);
    // Restoring another full text in one edit (how revisions are restored).
    const restore = edit(e2, () => {
      t2.delete(0, t2.length);
      t2.insert(0, "r".repeat(LIMITS.maxTextBytes));
    });
    expect(offer(s2, restore)).toBe(null);
    expect(s2.getText("yaml").toString()).toBe("r".repeat(LIMITS.maxTextBytes));
  });

  it("does not count a range that an update deletes twice twice", () => {
    const { server, editor, text } = pair("z".repeat(LIMITS.maxTextBytes - 100));
    const insert = edit(editor, () => text.insert(0, "+".repeat(5000)));
    // The same 1 000-letter range listed 10 times in the update's delete set.
    const client = [...Y.decodeStateVector(Y.encodeStateVector(server)).keys()][0];
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, 1);
    encoding.writeVarUint(e, client);
    encoding.writeVarUint(e, 10);
    for (let i = 0; i < 10; i++) {
      encoding.writeVarUint(e, 0);
      encoding.writeVarUint(e, 1000);
    }
    const forged = new Uint8Array([...insert.subarray(0, -1), ...encoding.toUint8Array(e)]);
    expect(Y.decodeUpdate(forged).ds.clients.get(client)).toHaveLength(10);
    expect(offer(server, forged)).toMatchObject({ limit: "text" });
    expect(bytesOf(server)).toBe(LIMITS.maxTextBytes - 100);
  });

  it("counts structs parked for a missing dependency when the update releases them", () => {
    const { server, editor, text } = pair("a: 1\n");
    const first = edit(editor, () => text.insert(0, "b"));
    const big = edit(editor, () => text.insert(1, "c".repeat(LIMITS.maxTextBytes)));
    // The big one arrives first and waits for `first`: parked, not in the text.
    expect(offer(server, big, { ...LIMITS, maxTextBytes: 10 * LIMITS.maxTextBytes })).toBe(null);
    expect(server.store.pendingStructs).not.toBe(null);
    expect(bytesOf(server)).toBe(5);
    // The one-letter update that would release it is refused.
    expect(offer(server, first)).toMatchObject({ limit: "text" });
    expect(bytesOf(server)).toBe(5);
  });

  it("bounds the encoded document: other shared types and deleted history", () => {
    const limits = { ...LIMITS, maxDocumentBytes: 256 * 1024 };
    const { server, editor } = pair("a: 1\n");
    const map = editor.getMap("other");
    let refused = null;
    for (let i = 0; i < 20 && !refused; i++)
      refused = offer(
        server,
        edit(editor, () => map.set(`k${i}`, "v".repeat(60_000))),
        limits,
      );
    expect(refused).toMatchObject({ limit: "document" });
    expect(encodedOf(server)).toBeLessThanOrEqual(limits.maxDocumentBytes);

    // One letter at a time from many sessions, deleting every other one: history, not text.
    const h = pair();
    let stopped = null;
    for (let s = 0; s < 400 && !stopped; s++) {
      const session = new Y.Doc();
      Y.applyUpdate(session, Y.encodeStateAsUpdate(h.server));
      const t = session.getText("yaml");
      stopped = offer(
        h.server,
        edit(session, () => {
          for (let k = 0; k < 200; k++) t.insert((k * 7919) % (t.length + 1), "ab");
          for (let k = 0; k < 100; k++) t.delete((k * 104729) % Math.max(1, t.length - 1), 1);
        }),
        limits,
      );
    }
    expect(stopped).toMatchObject({ limit: "document" });
    expect(encodedOf(h.server)).toBeLessThanOrEqual(limits.maxDocumentBytes);
  });

  it("lets a document already over the limit shrink, never grow", () => {
    const { server, editor, text } = pair("o".repeat(3 * LIMITS.maxTextBytes));
    const other = pair().editor;
    Y.applyUpdate(other, Y.encodeStateAsUpdate(server));
    const more = edit(other, () => other.getText("yaml").insert(0, "more"));
    expect(offer(server, more)).toMatchObject({ limit: "text" });
    const cut = edit(editor, () => text.delete(0, 2 * LIMITS.maxTextBytes));
    expect(offer(server, cut)).toBe(null);
    expect(bytesOf(server)).toBe(LIMITS.maxTextBytes);
  });

  it("keeps the text's byte count exact through random edits from several sessions", () => {
    const next = random(7);
    const server = new Y.Doc();
    const meter = new DocumentMeter(server, "yaml", 0);
    const sessions = Array.from({ length: 4 }, () => new Y.Doc());
    const pieces = ["a", "é", "語", "😀", "\uFFFD", "line\n", "  - text: a pig 🐖\n"];
    for (let round = 0; round < 600; round++) {
      const session = sessions[Math.floor(next() * sessions.length)];
      Y.applyUpdate(session, Y.encodeStateAsUpdate(server));
      const t = session.getText("yaml");
      const update = edit(session, () => {
        const at = Math.floor(next() * (t.length + 1));
        if (next() < 0.3 && t.length > 2) t.delete(at % t.length, 1 + Math.floor(next() * 3));
        else t.insert(at, pieces[Math.floor(next() * pieces.length)]);
      });
      const truthBefore = bytesOf(server);
      const encodedBefore = encodedOf(server);
      const effect = meter.effectOf(update);
      Y.applyUpdate(server, update);
      // The bounds hold, and the running count errs upwards by split surrogate pairs at most.
      expect(bytesOf(server)).toBeLessThanOrEqual(
        truthBefore + effect.textAdded - effect.textRemoved,
      );
      expect(encodedOf(server)).toBeLessThanOrEqual(encodedBefore + effect.growth);
      expect(meter.textBytes).toBeGreaterThanOrEqual(bytesOf(server));
      expect(meter.documentBytes).toBeGreaterThanOrEqual(encodedOf(server));
    }
    meter.remeasure();
    expect(meter.textBytes).toBe(bytesOf(server));
    expect(meter.documentBytes).toBe(encodedOf(server));
  });

  it("measures the encoding at most once per interval", () => {
    let now = 0;
    const { server, editor, text } = pair("a: 1\n");
    const meter = new DocumentMeter(server, "yaml", 1000, () => now);
    Y.applyUpdate(
      server,
      edit(editor, () => text.insert(0, "b")),
    );
    expect(meter.remeasure()).toBe(false);
    now = 1000;
    expect(meter.remeasure()).toBe(true);
    expect(meter.remeasure()).toBe(false); // nothing changed since
  });
});

describe("documentLimitsFromEnv", () => {
  it("defaults, shares the YAML limit with the quotas, reads each variable", () => {
    expect(documentLimitsFromEnv({})).toEqual({
      maxTextBytes: 64 * 1024,
      maxDocumentBytes: 1 << 20,
      writeBytesPerSecond: 64 * 1024,
    });
    expect(documentLimitsFromEnv({ CLIPIG_MAX_YAML_BYTES: "2048" }).maxTextBytes).toBe(2048);
    for (const [key, row] of Object.entries(DOCUMENT_LIMIT_TABLE))
      expect(
        documentLimitsFromEnv({ [row.env]: String(row.default + 1024) })[
          key as keyof DocumentLimits
        ],
      ).toBe(row.default + 1024);
  });

  it("names the variable of a malformed or inconsistent value", () => {
    expect(() => documentLimitsFromEnv({ CLIPIG_MAX_DOCUMENT_BYTES: "lots" })).toThrow(
      /CLIPIG_MAX_DOCUMENT_BYTES must be a whole number/,
    );
    expect(() => documentLimitsFromEnv({ CLIPIG_MAX_DOCUMENT_BYTES: String(128 * 1024) })).toThrow(
      /at least 4 × CLIPIG_MAX_YAML_BYTES/,
    );
  });
});
