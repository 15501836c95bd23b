/**
 * Attacker suite: model downloads as a disk and bandwidth lever. Everyone but the server's admin
 * (the first account) asks the studio to download a model — over the room's events and the
 * /models routes, with hostile names, from outside the room, without an Origin — and nothing
 * reaches the hub or the disk; the admin's own request then works.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createExperiment, share } from "../collab/testing";
import { startTestHub, type TestHub } from "../engine/clip/testing";
import { CALLERS, crashCounter, startHarness, Tally, type Harness } from "./testing/harness";

const DEFAULT = "openai/clip-vit-base-patch32";
let h: Harness;
let hub: TestHub;
let modelsDir: string;
let waitingId: string;
/** Nobody pressed Start here: a pull names the model itself (the studio's panel before Start). */
let idleId: string;
const crashes = crashCounter();

beforeAll(async () => {
  hub = await startTestHub([DEFAULT]);
  modelsDir = mkdtempSync(path.join(tmpdir(), "clipig-sec-models-"));
  h = await startHarness({
    server: {
      models: {
        store: { hubUrl: hub.url, modelsDir },
        policy: { downloads: "admins", admins: null },
      },
    },
  });
  // The default model (not installed): the owner's start waits for it.
  waitingId = await createExperiment(
    "epochs: 5\nresolution: 32\ntargets:\n- features:\n  - text: a pig\n",
    {
      visibility: "public",
      ownerId: h.callers.owner!.identity.id,
    },
  );
  idleId = await createExperiment("epochs: 5\nresolution: 32\nmodel: ViT-B/32\n", {
    visibility: "public",
    ownerId: h.callers.owner!.identity.id,
  });
  for (const id of [waitingId, idleId])
    for (const role of ["viewer", "runner", "editor"] as const)
      await share(id, h.callers[role]!, role);
});
afterAll(async () => {
  crashes.stop();
  await h?.close();
  await hub?.close();
});

describe("model downloads", () => {
  it("refuses everyone but the admin, on every door, and nothing is downloaded", async () => {
    const tally = new Tally("model downloads by non-admins");
    const owner = h.socket(h.callers.owner);
    await owner.emitWithAck("room:join", { experimentId: waitingId });
    expect(await owner.emitWithAck("run:start", { experimentId: waitingId })).toMatchObject({
      code: "model_missing",
    });

    for (const name of CALLERS.filter((c) => c !== "owner")) {
      const caller = h.callers[name];
      const socket = h.socket(caller);
      // Outside the room first: not even a role check passes.
      const outside = await socket.emitWithAck("model:pull", { experimentId: waitingId });
      tally.refused(!outside.ok);
      await socket.emitWithAck("room:join", { experimentId: waitingId });
      for (const event of ["model:pull", "model:cancel"] as const) {
        const res = await socket.emitWithAck(event, { experimentId: waitingId });
        tally.refused(!res.ok && (res.code === "forbidden" || res.code === "bad_request"));
      }
      // Before any Start, naming the model: the same rule.
      await socket.emitWithAck("room:join", { experimentId: idleId });
      for (const model of [DEFAULT, "ViT-B/32", "evil-org/huge-model"]) {
        const res = await socket.emitWithAck("model:pull", { experimentId: idleId, model });
        tally.refused(!res.ok && res.code === "forbidden");
      }
      // A private experiment's room stays hidden.
      const hidden = await socket.emitWithAck("model:pull", { experimentId: h.privateId });
      tally.refused(!hidden.ok);
      for (const [route, body] of [
        ["/api/models/pull", { name: DEFAULT }],
        ["/api/models/pull", { name: "evil-org/huge-model" }],
        ["/api/models/cancel", { name: DEFAULT }],
        ["/api/models/remove", { name: DEFAULT }],
      ] as const) {
        const res = await h.http(route, { method: "POST", caller, body });
        tally.refused(res.status === 403);
      }
      const listing = (await (await h.http("/api/models", { caller })).json()) as {
        store: { dir: string | null; hub: string | null };
        access: { canDownload: boolean };
      };
      tally.refused(
        listing.store.dir === null && listing.store.hub === null && !listing.access.canDownload,
      );
    }

    // The admin with hostile names, malformed payloads and no Origin.
    const admin = h.callers.owner;
    for (const body of [
      { name: "../../etc/passwd" },
      { name: "a/b/../../c" },
      { name: "/etc/passwd" },
      { name: "x".repeat(500) },
      { name: 7 },
      {},
    ]) {
      const res = await h.http("/api/models/pull", { method: "POST", caller: admin, body });
      tally.refused(res.status === 400);
    }
    for (const body of [{ name: "tiny-clip" }, { name: "../models" }]) {
      const res = await h.http("/api/models/remove", { method: "POST", caller: admin, body });
      tally.refused(res.status === 400);
    }
    const noOrigin = await h.http("/api/models/pull", {
      method: "POST",
      caller: admin,
      body: { name: DEFAULT },
      headers: { origin: "" },
    });
    tally.refused(noOrigin.status === 403);
    await owner.emitWithAck("room:join", { experimentId: idleId });
    for (const bad of [
      { experimentId: "../x" },
      { experimentId: waitingId, name: DEFAULT },
      { experimentId: idleId, model: "../../etc/passwd" },
      { experimentId: idleId, model: "a/b/../../c" },
      { experimentId: idleId, model: "/etc/passwd" },
      { experimentId: idleId, model: "x".repeat(500) },
      { experimentId: idleId, model: 7 },
      { experimentId: idleId, model: "evil-org/huge-model" }, // not in the catalogue, not pulled
    ]) {
      const res = await owner.emitWithAck("model:pull", bad as never);
      tally.refused(!res.ok && res.code === "bad_request");
    }

    expect(tally.accepted).toBe(0);
    expect(hub.seen.bytesSent).toBe(0);
    expect(readdirSync(modelsDir)).toEqual([]);

    // The admin's own request goes through (the refusals above are not a blanket no).
    expect(await owner.emitWithAck("model:pull", { experimentId: waitingId })).toEqual({
      ok: true,
    });
    await expect
      .poll(() => readdirSync(modelsDir), { timeout: 30_000 })
      .toContain("openai--clip-vit-base-patch32");
    tally.report(crashes.count);
    expect(crashes.count).toBe(0);
  });
});
