/**
 * Attacker suite, part 3: the live channels. A viewer who writes to the Yjs document anyway (a
 * patched client) changes nothing for anyone — not the editors' copies, not the stored row, not a
 * client that joins afterwards. A member whose access is revoked through the owner's sharing
 * routes loses their open Socket.IO and Yjs connections at once; so does a session that signs out,
 * and strangers when an experiment goes private.
 */
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import type { WebsocketProvider } from "y-websocket";
import { db } from "../db/client";
import { createExperiment, share, signedIn, type TestCaller } from "../collab/testing";
import { encodeSyncUpdate } from "./messages";
import {
  closeCodeOf,
  crashCounter,
  startHarness,
  synced,
  Tally,
  type Harness,
} from "./testing/harness";

let h: Harness;
const viewerTally = new Tally("viewer writing to the Yjs document");
const revokeTally = new Tally("revoked user's live sockets cut");
const crashes = crashCounter();
const poll = { timeout: 5000, interval: 10 };

beforeAll(async () => {
  h = await startHarness();
});

afterAll(() => h.finish(crashes, viewerTally, revokeTally));

describe("a viewer writing to the Yjs document", () => {
  it("is dropped: editors, the stored row and later joiners never see it", async () => {
    const id = await createExperiment("epochs: 10\n", {
      ownerId: h.callers.owner!.identity.id,
      visibility: "public",
    });
    await share(id, h.callers.viewer!, "viewer");
    await share(id, h.callers.editor!, "editor");
    const editor = h.yjs(h.callers.editor, id);
    const owner = h.yjs(h.callers.owner, id);
    await Promise.all([synced(editor.provider), synced(owner.provider)]);

    // Through a normal client: the edit stays in the viewer's own copy.
    for (const name of ["viewer", "runner", "stranger", "guest", "anonymous"] as const) {
      const vandal = h.yjs(h.callers[name], id);
      await synced(vandal.provider);
      vandal.text.insert(0, `# ${name} vandal\n`);
      vandal.text.delete(vandal.text.length - 3, 3);
      viewerTally.refused(true);
      viewerTally.refused(true);
      vandal.provider.destroy();
    }
    // Through raw bytes: sync step 2 and update messages carrying a valid edit of the current state.
    const raw = h.rawYjs(h.callers.viewer, id);
    await once(raw, "open");
    const forged = new Y.Doc();
    Y.applyUpdate(forged, Y.encodeStateAsUpdate(owner.doc));
    const before = Y.encodeStateVector(forged);
    forged.getText("yaml").delete(0, forged.getText("yaml").length);
    forged.getText("yaml").insert(0, "epochs: 1\nvandalised: true\n");
    const update = Y.encodeStateAsUpdate(forged, before);
    for (const kind of [1, 2] as const) {
      for (let i = 0; i < 50; i++) {
        raw.send(encodeSyncUpdate(kind, update));
        viewerTally.refused(true);
      }
    }
    // The editor's next edit is relayed: the viewer's bytes were processed before it.
    editor.text.insert(editor.text.length, "seed: 1\n");
    await expect.poll(() => owner.text.toString(), poll).toBe("epochs: 10\nseed: 1\n");
    expect(editor.text.toString()).toBe("epochs: 10\nseed: 1\n");
    expect(raw.readyState).toBe(raw.OPEN); // dropped silently, like Hocuspocus' read-only connections

    const late = h.yjs(h.callers.viewer, id);
    await synced(late.provider);
    expect(late.text.toString()).toBe("epochs: 10\nseed: 1\n");
    for (const c of [editor, owner, late]) c.provider.destroy();
    raw.close();
    await expect.poll(() => h.server.collab.loadedCount, poll).toBe(0);
    const row = await db().experiment.findUniqueOrThrow({ where: { id } });
    expect(row.yaml).toBe("epochs: 10\nseed: 1\n");
    const stored = new Y.Doc();
    Y.applyUpdate(stored, row.yjsState!);
    expect(stored.getText("yaml").toString()).toBe("epochs: 10\nseed: 1\n");
  });
});

/** The code a y-websocket client's connection closes with next. */
const closeCode = (provider: WebsocketProvider) =>
  new Promise<number>((resolve) =>
    provider.once("connection-close", (e: CloseEvent | null) => resolve(e?.code ?? 0)),
  );

/** `caller` live in room `id`: a socket in the room and a synced Yjs client, and what tells of a revocation. */
async function liveSession(caller: TestCaller, id: string) {
  const socket = h.socket(caller);
  const joined = await socket.emitWithAck("room:join", { experimentId: id });
  const doc = h.yjs(caller, id);
  await synced(doc.provider);
  const told = new Promise((resolve) => socket.once("access:revoked", resolve));
  return { socket, joined, doc, told, closed: closeCode(doc.provider) };
}

/** A private experiment of the harness' owner with a fresh user as its editor. */
async function privateWithEditor(yaml: string) {
  const user = await signedIn();
  const id = await createExperiment(yaml, {
    ownerId: h.callers.owner!.identity.id,
    visibility: "private",
  });
  await share(id, user, "editor");
  return { user, id };
}

describe("revocation cuts live sockets", () => {
  it("a member removed through the sharing route loses Socket.IO and Yjs at once", async () => {
    const { user: carol, id } = await privateWithEditor("r: 1\n");
    const { socket, joined, doc, told, closed } = await liveSession(carol, id);
    expect(joined).toMatchObject({ ok: true, state: { role: "editor" } });
    const cut = new Promise((resolve) => socket.once("disconnect", resolve));

    const res = await h.http(`/api/experiments/${id}/sharing/members/${carol.identity.id}`, {
      method: "DELETE",
      caller: h.callers.owner,
    });
    expect(res.status).toBe(204);
    expect(await told).toEqual({ experimentId: id, reason: "removed" });
    expect(await cut).toBe("io server disconnect");
    expect(await closed).toBe(4403);
    revokeTally.refused(true);
    revokeTally.refused(true);
    // Nothing she sends afterwards lands: a new socket does not see the room, a new Yjs client is refused.
    expect(await h.socket(carol).emitWithAck("room:join", { experimentId: id })).toMatchObject({
      ok: false,
      code: "not_found",
    });
    expect(await closeCodeOf(h.rawYjs(carol, id))).toBe(4404);
    revokeTally.refused(true);
    revokeTally.refused(true);
    doc.provider.destroy();
  });

  it("lowered to viewer: cut, back read-only; her edits stop reaching anyone", async () => {
    const { user: dave, id } = await privateWithEditor("l: 1\n");
    const { doc, told, closed } = await liveSession(dave, id);
    const res = await h.http(`/api/experiments/${id}/sharing/members`, {
      method: "POST",
      caller: h.callers.owner,
      body: { username: dave.identity.name, role: "viewer" },
    });
    expect(res.status).toBe(201);
    expect(await told).toEqual({ experimentId: id, reason: "changed" });
    expect(await closed).toBe(4001);
    revokeTally.refused(true);
    revokeTally.refused(true);
    await synced(doc.provider); // reconnected by itself, read-only now
    doc.text.insert(0, "# dave\n");
    const owner = h.yjs(h.callers.owner, id);
    await synced(owner.provider);
    owner.text.insert(owner.text.length, "m: 2\n");
    await expect.poll(() => doc.text.toString(), poll).toBe("# dave\nl: 1\nm: 2\n");
    expect(owner.text.toString()).toBe("l: 1\nm: 2\n");
    revokeTally.refused(true);
    doc.provider.destroy();
    owner.provider.destroy();
  });

  it("signing out cuts that session's sockets; going private cuts the strangers watching", async () => {
    const erin = await signedIn();
    const id = await createExperiment("p: 1\n", {
      ownerId: h.callers.owner!.identity.id,
      visibility: "public",
    });
    const { doc: erinDoc, told: signedOut, closed: erinClosed } = await liveSession(erin, id);
    expect(
      (await h.http("/api/auth/signout", { method: "POST", caller: erin, body: {} })).status,
    ).toBe(204);
    expect(await signedOut).toEqual({ reason: "signed_out" });
    expect(await erinClosed).toBe(4401);
    revokeTally.refused(true);
    revokeTally.refused(true);

    const stranger = h.socket(h.callers.stranger);
    const anonymous = h.socket(null);
    const member = h.socket(h.callers.viewer);
    await share(id, h.callers.viewer!, "viewer");
    for (const s of [stranger, anonymous, member])
      expect(await s.emitWithAck("room:join", { experimentId: id })).toMatchObject({ ok: true });
    const watcher = h.yjs(h.callers.stranger, id);
    await synced(watcher.provider);
    const cut = [stranger, anonymous].map(
      (s) => new Promise((resolve) => s.once("access:revoked", resolve)),
    );
    const watcherClosed = closeCode(watcher.provider);
    let memberCut = false;
    member.once("access:revoked", () => (memberCut = true));
    const res = await h.http(`/api/experiments/${id}/sharing/visibility`, {
      method: "PUT",
      caller: h.callers.owner,
      body: { visibility: "private" },
    });
    expect(res.status).toBe(204);
    expect(await Promise.all(cut)).toEqual([
      { experimentId: id, reason: "removed" },
      { experimentId: id, reason: "removed" },
    ]);
    expect(await watcherClosed).toBe(4403);
    for (let i = 0; i < 3; i++) revokeTally.refused(true);
    expect(memberCut).toBe(false);
    expect(await member.emitWithAck("room:join", { experimentId: id })).toMatchObject({
      ok: true,
      state: { role: "viewer" },
    });
    erinDoc.provider.destroy();
    watcher.provider.destroy();
  });
});
