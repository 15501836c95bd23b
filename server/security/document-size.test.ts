/**
 * Attacker suite: the shared document's size. An editor with a patched client sends 8 inserts of
 * 1 MB each as raw y-websocket frames (the server actions allow 64 KiB of YAML; before the limit
 * the document took them all: an 8 MB text, +38 MB of database, downloaded by every visitor).
 * Each is refused with 4413 before it is applied, stored or relayed; inserting and deleting a
 * full text over and over meets the write rate (4420). The stored text and the database file stay
 * bounded, another room's document is untouched, and a legitimate edit up to the limit still works.
 */
import { once } from "node:events";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import * as Y from "yjs";
import { db } from "../db/client";
import { CLOSE } from "../collab/types";
import { createExperiment, share } from "../collab/testing";
import { DEFAULT_QUOTAS } from "../limits";
import { encodeSyncUpdate } from "./messages";
import { crashCounter, startHarness, synced, Tally, type Harness } from "./testing/harness";

let h: Harness;
const tally = new Tally("shared document over its size limit");
const crashes = crashCounter();
const figures: Record<string, number> = {};
const poll = { timeout: 10_000, interval: 20 };
const LIMIT = DEFAULT_QUOTAS.maxYamlBytes;
const YAML =
  "model: tiny-clip\nepochs: 5\nresolution: 32\ntargets:\n  - features:\n      - text: a pig\n";

/** Bytes of the SQLite database with its journal files. */
const databaseBytes = () =>
  readdirSync(h.dataDir)
    .filter((f) => f.startsWith("clipig.db"))
    .reduce((sum, f) => sum + statSync(path.join(h.dataDir, f)).size, 0);

/** The close code of a socket's close event, or 0 if it is still open `ms` after asked. */
const within = (closed: Promise<number>, ms = 5000) =>
  Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(0), ms))]);

/** The row's text and Yjs state once the room is unloaded (every edit compacted). */
async function stored(id: string) {
  await expect.poll(() => h.server.collab.connectionsTo(id).length, poll).toBe(0);
  await expect.poll(() => h.server.collab.liveText(id, "yaml"), poll).toBe(null);
  const row = await db().experiment.findUniqueOrThrow({ where: { id } });
  const pending = await db().yjsUpdate.count({ where: { experimentId: id } });
  return { yaml: row.yaml, state: row.yjsState?.byteLength ?? 0, pending };
}

async function room(visibility: "public" | "private") {
  const id = await createExperiment(YAML, { ownerId: h.callers.owner!.identity.id, visibility });
  await share(id, h.callers.editor!, "editor");
  return id;
}

/** A raw editor connection and a copy of the server's current document to forge edits on. */
async function forger(id: string, current: Y.Doc) {
  const ws = h.rawYjs(h.callers.editor, id);
  const closed = once(ws, "close").then(([code]) => code as number);
  await once(ws, "open");
  const doc = new Y.Doc();
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(current));
  const frame = (change: (text: Y.Text) => void) => {
    const before = Y.encodeStateVector(doc);
    change(doc.getText("yaml"));
    return encodeSyncUpdate(2, Y.encodeStateAsUpdate(doc, before));
  };
  return { ws, frame, closed };
}

beforeAll(async () => {
  h = await startHarness();
});

afterAll(() => h.finish(crashes, tally, { suite: "document size", ...figures }));

describe("the shared document's size limit over Yjs", () => {
  it("refuses 8 × 1 MB inserts with 4413; nothing stored or relayed; the database stays small; another room is untouched", async () => {
    const id = await room("public");
    const otherId = await room("private");
    const watcher = h.yjs(h.callers.owner, id);
    const bystander = h.yjs(h.callers.editor, otherId);
    await Promise.all([synced(watcher.provider), synced(bystander.provider)]);
    const otherBefore = await db().experiment.findUniqueOrThrow({ where: { id: otherId } });
    const dbBefore = databaseBytes();

    const codes: number[] = [];
    const started = performance.now();
    for (let i = 0; i < 8; i++) {
      const { ws, frame, closed } = await forger(id, watcher.doc);
      const big = frame((t) => t.insert(t.length, `# ${i}\n${"x".repeat(1_000_000)}\n`));
      expect(big.byteLength).toBeLessThan(1 << 20); // under the message cap: only the limit stops it
      ws.send(big);
      codes.push(await within(closed));
      tally.refused(codes.at(-1) === CLOSE.documentTooLarge.code);
      ws.close();
      // Meanwhile the other room keeps working.
      bystander.text.insert(bystander.text.length, `# still here ${i}\n`);
    }
    figures.attackMs = Math.round(performance.now() - started);
    const relayed = watcher.text.toString();
    watcher.provider.destroy();
    bystander.provider.destroy();
    const after = await stored(id);
    const other = await stored(otherId);
    figures.attackBytes = 8_000_000;
    figures.storedTextBytes = Buffer.byteLength(after.yaml);
    figures.storedStateBytes = after.state;
    figures.databaseGrowthBytes = databaseBytes() - dbBefore;

    expect(codes).toEqual(Array(8).fill(CLOSE.documentTooLarge.code));
    expect(relayed).toBe(YAML); // never relayed
    expect(after.yaml).toBe(YAML);
    expect(after.pending).toBe(0);
    expect(after.state).toBeLessThan(4096);
    expect(other.yaml).toBe(
      otherBefore.yaml + Array.from({ length: 8 }, (_, i) => `# still here ${i}\n`).join(""),
    );
    expect(figures.databaseGrowthBytes).toBeLessThan(512 * 1024);
  });

  it("cuts a connection that inserts and deletes a full text over and over (write rate, 4420)", async () => {
    const id = await room("public");
    const otherId = await room("public");
    const watcher = h.yjs(h.callers.owner, id);
    await synced(watcher.provider);
    const otherBefore = await stored(otherId);
    const dbBefore = databaseBytes();
    const { ws, frame, closed } = await forger(id, watcher.doc);
    let sent = 0;
    for (let i = 0; i < 40 && ws.readyState === WebSocket.OPEN; i++) {
      ws.send(frame((t) => t.insert(0, "y".repeat(60 * 1024))));
      ws.send(frame((t) => t.delete(0, 60 * 1024)));
      sent += 2;
      await new Promise((r) => setTimeout(r, 5));
    }
    const code = await within(closed);
    tally.refused(code === CLOSE.rateLimited.code);
    expect(code).toBe(CLOSE.rateLimited.code);
    figures.churnFramesBeforeCut = sent;
    watcher.provider.destroy();
    const after = await stored(id);
    expect(after.yaml).toBe(YAML);
    figures.churnDatabaseGrowthBytes = databaseBytes() - dbBefore;
    expect(figures.churnDatabaseGrowthBytes).toBeLessThan(4 << 20);
    expect(await stored(otherId)).toEqual(otherBefore);
  });

  it("takes a legitimate edit up to the limit; one letter more closes the editor with 4413, without reconnecting", async () => {
    const id = await room("public");
    const editor = h.yjs(h.callers.editor, id);
    const watcher = h.yjs(h.callers.owner, id);
    await Promise.all([synced(editor.provider), synced(watcher.provider)]);
    // Pasted in pieces of multi-byte text until the UTF-8 bytes meet the limit exactly.
    while (Buffer.byteLength(editor.text.toString()) < LIMIT) {
      const room = LIMIT - Buffer.byteLength(editor.text.toString());
      editor.text.insert(editor.text.length, room >= 2000 ? "é".repeat(1000) : "z".repeat(room));
      await new Promise((r) => setTimeout(r, 10));
    }
    const full = editor.text.toString();
    await expect.poll(() => watcher.text.toString(), poll).toBe(full);
    tally.refused(false);

    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      editor.provider.once("closed", resolve),
    );
    editor.text.insert(0, "!");
    expect(await closed).toEqual({
      code: CLOSE.documentTooLarge.code,
      reason: "document too large: the text may hold at most 64 KiB",
    });
    tally.refused(true);
    expect(editor.provider.shouldConnect).toBe(false); // y-websocket does not retry 4400–4499
    watcher.provider.destroy();
    editor.provider.destroy();
    const after = await stored(id);
    expect(Buffer.byteLength(after.yaml)).toBe(LIMIT);
    expect(after.yaml).toBe(full);
  });
});
