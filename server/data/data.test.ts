import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { newGuest, type Identity } from "../auth/identity";
import { closeDb, db } from "../db/client";
import { migrate } from "../db/migrate";
import { dbTarget } from "../db/url";
import { createExperiment, forkExperiment, forkRun, getStudio, renameExperiment, setVisibility } from "./experiments";
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
  alice = newGuest();
  bob = { ...newGuest(), name: "Bob Builder" };
});

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
  it("owner, open room and private: roles follow visibility and ownership", async () => {
    const { id } = await createExperiment(alice, { title: "Spoons", yaml: "epochs: 5\n", visibility: "public" });
    expect((await getStudio(alice, id))?.role).toBe("owner");
    expect((await getStudio(bob, id))?.role).toBe("editor");
    expect((await getStudio(null, id))?.yaml).toBe("epochs: 5\n");

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
    const rev = await saveRevision(bob, id, "first try", "a: 2\n");
    expect(rev).toMatchObject({ name: "first try", author: "Bob Builder" });
    expect(await revisionText(alice, rev!.id)).toEqual({ name: "first try", yaml: "a: 2\n" });
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
