import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { newGuest, type Identity } from "../auth/identity";
import { share, signedIn } from "../collab/testing";
import { closeDb, db } from "../db/client";
import { migrate } from "../db/migrate";
import { dbTarget } from "../db/url";
import {
  createExperiment as create,
  forkExperiment,
  forkRun,
  getStudio,
  listMyExperiments,
  renameExperiment,
  setVisibility,
} from "./experiments";
import { createLink, getSharing, invite, joinByLink, removeMember } from "./sharing";
import { listRenders } from "./gallery";
import { dataFile, getRender, runImageFile } from "./renders";
import { revisionText, saveRevision } from "./revisions";

const dir = mkdtempSync(path.join(tmpdir(), "clipig-data-"));
let alice: Identity;
let bob: Identity;

beforeAll(async () => {
  process.env.DATABASE_URL = `file:${path.join(dir, "t.db")}`;
  process.env.CLIPIG_DATA_DIR = dir;
  await closeDb();
  await migrate(dbTarget());
  alice = (await signedIn("alice")).identity;
  bob = (await signedIn("bob")).identity;
  await db().user.update({ where: { id: bob.id }, data: { displayName: "Bob Builder" } });
  bob.name = "Bob Builder";
});

/** Signed-in callers always get an id back. */
async function createExperiment(me: Identity, input: Parameters<typeof create>[1]) {
  const created = await create(me, input);
  if (!created) throw new Error("not created");
  return created;
}

afterAll(async () => {
  await closeDb();
});

async function finishedRun(experimentId: string, title: string, prompts: string, finishedAt: Date) {
  return db().run.create({
    data: {
      experimentId,
      yaml: `# ${title}\ntargets: []\n`,
      title,
      prompts,
      model: "tiny-clip",
      seed: 1,
      status: "done",
      epochs: 10,
      epoch: 10,
      imagePath: `runs/${title}.png`,
      finishedAt,
    },
  });
}

describe("experiments", () => {
  it("owner, members and visibility decide roles; guests and strangers only view", async () => {
    const { id } = await createExperiment(alice, { title: "Spoons", yaml: "epochs: 5\n", visibility: "public" });
    expect((await getStudio(alice, id))?.role).toBe("owner");
    expect((await getStudio(bob, id))?.role).toBe("viewer");
    expect((await getStudio(newGuest(), id))?.role).toBe("viewer");
    expect((await getStudio(null, id))?.yaml).toBe("epochs: 5\n");
    expect(await renameExperiment(bob, id, "Hijacked")).toBe(false);
    await share(id, { identity: bob, cookie: "" }, "editor");
    expect((await getStudio(bob, id))?.role).toBe("editor");
    expect(await renameExperiment(bob, id, "Spoons!")).toBe(true);
    expect(await renameExperiment(alice, id, "Spoons")).toBe(true);
    await db().member.deleteMany({ where: { experimentId: id } });

    expect(await setVisibility(bob, id, "private")).toBe(false);
    expect(await setVisibility(alice, id, "private")).toBe(true);
    expect(await getStudio(bob, id)).toBeNull();
    expect(await getStudio(null, id)).toBeNull();
    expect(await renameExperiment(bob, id, "Hijacked")).toBe(false);
    expect((await getStudio(alice, id))?.title).toBe("Spoons");
  });

  it("fork copies the text, links the origin and counts, leaving the origin untouched", async () => {
    const { id } = await createExperiment(alice, { title: "Curly", yaml: "epochs: 7\n", visibility: "public" });
    const fork = await forkExperiment(bob, id, "epochs: 8\n");
    expect(fork).not.toBeNull();
    const forked = await getStudio(bob, fork!.id);
    expect(forked).toMatchObject({ role: "owner", yaml: "epochs: 8\n", title: "Curly (fork)", forkedFrom: { id, title: "Curly" } });
    const origin = await getStudio(alice, id);
    expect(origin).toMatchObject({ yaml: "epochs: 7\n", forkCount: 1 });
    expect((await forkExperiment(bob, fork!.id))!.id).not.toBe(fork!.id);
  });

  it("a private experiment cannot be forked or read through its runs by others", async () => {
    const { id } = await createExperiment(alice, { title: "Secret", yaml: "epochs: 1\n", visibility: "private" });
    const run = await finishedRun(id, "secret-run", "hidden text", new Date());
    expect(await forkExperiment(bob, id)).toBeNull();
    expect(await forkRun(bob, run.id)).toBeNull();
    expect(await getRender(bob, run.id)).toBeNull();
    expect(await runImageFile(bob, run.id)).toBeNull();
    expect(await runImageFile(alice, run.id)).toBe(path.join(dir, "runs", "secret-run.png"));
    expect((await listRenders({ q: "hidden", sort: "newest", page: 1 })).total).toBe(0);
  });

  it("revisions: editors save, the text comes back for restore, strangers to private rooms get nothing", async () => {
    const { id } = await createExperiment(alice, { title: "Revs", yaml: "a: 1\n", visibility: "public" });
    expect(await saveRevision(bob, id, "vandal", "x")).toBeNull(); // a stranger views only
    await share(id, { identity: bob, cookie: "" }, "editor");
    const rev = await saveRevision(bob, id, "first try", "a: 2\n");
    expect(rev).toMatchObject({ name: "first try", author: "Bob Builder" });
    expect(await revisionText(alice, rev!.id)).toEqual({ name: "first try", yaml: "a: 2\n" });
    // The write itself holds the text limit (CLIPIG_MAX_YAML_BYTES), whatever called it.
    await expect(saveRevision(bob, id, "huge", "é".repeat(40_000))).rejects.toThrow(
      `revision of ${id}: The experiment text is 80000 bytes; this server allows at most 64 KiB`,
    );
    await db().member.deleteMany({ where: { experimentId: id } });
    await setVisibility(alice, id, "private");
    expect(await revisionText(bob, rev!.id)).toBeNull();
    expect(await saveRevision(bob, id, "nope", "x")).toBeNull();
    expect((await getStudio(alice, id))?.revisions.map((r) => r.name)).toEqual(["first try"]);
  });
});

describe("gallery and renders", () => {
  it("searches title and prompts, sorts newest or most-forked, pages", async () => {
    const a = await createExperiment(alice, { title: "Gallery A", yaml: "", visibility: "public" });
    const b = await createExperiment(alice, { title: "Gallery B", yaml: "", visibility: "public" });
    const ra = await finishedRun(a.id, "zebra dream", "a zebra in the snow", new Date(2020, 1, 1));
    const rb = await finishedRun(b.id, "owl study", "an owl made of glass", new Date(2021, 1, 1));
    await forkRun(bob, ra.id);
    await forkRun(bob, ra.id);

    expect((await listRenders({ q: "ZEBRA", sort: "newest", page: 1 })).cards.map((c) => c.runId)).toEqual([ra.id]);
    expect((await listRenders({ q: "glass", sort: "newest", page: 1 })).cards.map((c) => c.runId)).toEqual([rb.id]);
    const newest = (await listRenders({ q: "Gallery", sort: "newest", page: 1 })).cards.map((c) => c.runId);
    expect(newest).toEqual([rb.id, ra.id]);
    const forked = await listRenders({ q: "Gallery", sort: "forks", page: 1 });
    expect(forked.cards.map((c) => [c.runId, c.forks])).toEqual([[ra.id, 2], [rb.id, 0]]);
    expect(forked.cards[0]).toMatchObject({ title: "zebra dream", imageUrl: `/api/runs/${ra.id}/image`, author: alice.name });
    const page2 = await listRenders({ q: "Gallery", sort: "newest", page: 2 });
    expect(page2).toMatchObject({ cards: [], total: 2, pages: 1 });
  });

  it("a render carries its YAML, statistics series, snapshots and lineage", async () => {
    const { id } = await createExperiment(alice, { title: "Lineage", yaml: "", visibility: "public" });
    const run = await finishedRun(id, "lineage run", "a tree", new Date());
    await db().runStat.createMany({
      data: [0, 1, 2].map((epoch) => ({ runId: run.id, epoch, loss: 3 - epoch, data: JSON.stringify({ similarities: [epoch / 10] }) })),
    });
    await db().snapshot.create({ data: { runId: run.id, epoch: 2, imagePath: "runs/s.png" } });
    const fork = await forkRun(bob, run.id);
    const render = await getRender(null, run.id);
    expect(render).toMatchObject({ yaml: "# lineage run\ntargets: []\n", forkedFrom: null, experiment: { id, forkCount: 1 } });
    expect(render!.forks).toEqual([{ id: fork!.id, title: "Lineage (fork)", owner: bob.name }]);
    expect(render!.series.loss).toEqual([3, 2, 1]);
    expect(render!.series.features[0].values).toEqual([0, 0.1, 0.2]);
    expect(render!.snapshots.map((s) => s.epoch)).toEqual([2]);
    const forkStudio = await getStudio(bob, fork!.id);
    expect(forkStudio?.forkedFrom).toEqual({ id, title: "Lineage" });
  });

  it("never serves files outside the data folder", () => {
    expect(dataFile("runs/x.png")).toBe(path.join(dir, "runs", "x.png"));
    expect(dataFile("../../etc/passwd")).toBeNull();
    expect(dataFile("/etc/passwd")).toBeNull();
  });
});

describe("writing needs an account; forks copy only what the forker may see", () => {
  it("guests and anonymous visitors cannot create, fork or save", async () => {
    const guest = newGuest();
    expect(await create(guest, { title: "G", yaml: "", visibility: "public" })).toBeNull();
    expect(await create(null, { title: "G", yaml: "", visibility: "public" })).toBeNull();
    const { id } = await createExperiment(alice, { title: "Open", yaml: "a: 1\n", visibility: "public" });
    expect(await forkExperiment(guest, id)).toBeNull();
    expect(await forkExperiment(null, id)).toBeNull();
    expect(await saveRevision(guest, id, "x", "y")).toBeNull();
    // A forged guest cookie with Alice's id gets none of her rights.
    expect(await renameExperiment({ ...guest, id: alice.id }, id, "Mine now")).toBe(false);
  });

  it("a fork takes the text only: no members, links, revisions, runs; as visible as its origin at most", async () => {
    const { id } = await createExperiment(alice, { title: "Team", yaml: "t: 1\n", visibility: "unlisted" });
    await share(id, { identity: bob, cookie: "" }, "viewer");
    await saveRevision(alice, id, "v1", "t: 0\n");
    await createLink(alice, id, "editor");
    await finishedRun(id, "team run", "team", new Date());
    const fork = await forkExperiment(bob, id);
    const row = await db().experiment.findUniqueOrThrow({
      where: { id: fork!.id },
      include: { members: true, shareLinks: true, revisions: true, runs: true, yjsUpdates: true },
    });
    expect(row).toMatchObject({ ownerId: bob.id, yaml: "t: 1\n", visibility: "unlisted", yjsState: null });
    expect([row.members, row.shareLinks, row.revisions, row.runs, row.yjsUpdates].map((l) => l.length)).toEqual([0, 0, 0, 0, 0]);
    const secret = await createExperiment(alice, { title: "Secret", yaml: "s: 1\n", visibility: "private" });
    await share(secret.id, { identity: bob, cookie: "" }, "viewer");
    expect((await db().experiment.findUniqueOrThrow({ where: { id: (await forkExperiment(bob, secret.id))!.id } })).visibility).toBe("private");
  });

  it("sharing: only the owner manages; invites, links and removal change what others see", async () => {
    const carol = (await signedIn("carol")).identity;
    const { id } = await createExperiment(alice, { title: "Shared", yaml: "", visibility: "private" });
    await expect(getSharing(bob, id)).rejects.toMatchObject({ code: "not_found" });
    await expect(invite(bob, id, "carol", "editor")).rejects.toMatchObject({ code: "not_found" });
    await expect(invite(newGuest(), id, "carol", "editor")).rejects.toMatchObject({ code: "forbidden" });
    expect(await invite(alice, id, "bob", "viewer")).toMatchObject({ username: "bob", role: "viewer" });
    await expect(invite(bob, id, "carol", "editor")).rejects.toMatchObject({ code: "forbidden" });
    await expect(getSharing(bob, id)).rejects.toMatchObject({ code: "forbidden" });
    const link = await createLink(alice, id, "runner");
    expect(link.path).toMatch(/^\/join\/[A-Za-z0-9_-]{43}$/);
    expect(await joinByLink(carol, link.path.slice(6))).toEqual({ experimentId: id, role: "runner" });
    expect((await listMyExperiments(carol)).map((e) => [e.id, e.role])).toEqual([[id, "runner"]]);
    const panel = await getSharing(alice, id);
    expect(panel.members.map((m) => [m.username, m.role])).toEqual([["bob", "viewer"], ["carol", "runner"]]);
    expect(panel.links).toMatchObject([{ id: link.id, role: "runner", revoked: false }]);
    expect(JSON.stringify(panel)).not.toContain(link.path.slice(6)); // tokens are never stored or listed
    await expect(removeMember(bob, id, carol.id)).rejects.toMatchObject({ code: "forbidden" });
    expect(await removeMember(alice, id, carol.id)).toBe(true);
    expect(await getStudio(carol, id)).toBeNull();
    expect(await removeMember(bob, id, bob.id)).toBe(true); // a member may leave
    expect(await getStudio(bob, id)).toBeNull();
  });
});
