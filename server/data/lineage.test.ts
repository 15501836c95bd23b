import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newGuest, type Identity } from "../auth/identity";
import { share, signedIn, useTempDatabase } from "../collab/testing";
import { closeDb, db } from "../db/client";
import { getStudio } from "./experiments";
import { getRender } from "./renders";

let owner: Identity, forker: Identity, member: Identity, stranger: Identity;

beforeAll(async () => {
  await useTempDatabase();
  [owner, forker, member, stranger] = await Promise.all(
    ["owner", "forker", "member", "stranger"].map(async (n) => (await signedIn(n)).identity),
  );
});
afterAll(() => closeDb());

const experiment = (title: string, visibility: string, ownerId: string, forkedFromId?: string) =>
  db().experiment.create({ data: { title, yaml: "", visibility, ownerId, forkedFromId } });
const runOf = (experimentId: string) =>
  db().run.create({
    data: { experimentId, yaml: "", model: "tiny-clip", seed: 1, status: "done" },
  });

describe("a render's lineage names only what the caller may open", () => {
  it("forks: public ones for everyone, unlisted and private ones only for their owner and members", async () => {
    const origin = await experiment("origin", "public", owner.id);
    const run = await runOf(origin.id);
    const pub = await experiment("public fork", "public", forker.id, origin.id);
    const unlisted = await experiment("unlisted fork", "unlisted", forker.id, origin.id);
    const secret = await experiment("private fork", "private", forker.id, origin.id);
    const sharedUnlisted = await experiment("shared unlisted fork", "unlisted", forker.id, origin.id);
    await share(sharedUnlisted.id, { identity: member, cookie: "" }, "viewer");
    await share(secret.id, { identity: member, cookie: "" }, "editor");
    const forksSeenBy = async (me: Identity | null) =>
      (await getRender(me, run.id))!.forks.map((f) => f.title).sort();

    for (const me of [null, newGuest(), stranger, owner])
      expect(await forksSeenBy(me), me?.name ?? "anonymous").toEqual(["public fork"]);
    expect(await forksSeenBy(forker)).toEqual(
      ["private fork", "public fork", "shared unlisted fork", "unlisted fork"].sort(),
    );
    expect(await forksSeenBy(member)).toEqual(["private fork", "public fork", "shared unlisted fork"]);
    // The forks' ids are nowhere in what a visitor gets.
    const text = JSON.stringify(await getRender(null, run.id));
    for (const hidden of [unlisted, secret, sharedUnlisted]) {
      expect(text).not.toContain(hidden.id);
      expect(text).not.toContain(hidden.title);
    }
    expect(text).toContain(pub.id);
  });

  it("origin: an unlisted origin of a public fork is named only to its owner and members", async () => {
    const origin = await experiment("hidden origin", "unlisted", owner.id);
    await share(origin.id, { identity: member, cookie: "" }, "viewer");
    const fork = await experiment("public child", "public", forker.id, origin.id);
    const run = await runOf(fork.id);
    const originSeenBy = async (me: Identity | null) => (await getRender(me, run.id))!.forkedFrom;
    for (const me of [null, newGuest(), stranger, forker])
      expect(await originSeenBy(me), me?.name ?? "anonymous").toBeNull();
    for (const me of [owner, member])
      expect(await originSeenBy(me)).toEqual({ id: origin.id, title: "hidden origin" });
    await db().experiment.update({ where: { id: origin.id }, data: { visibility: "public" } });
    expect(await originSeenBy(null)).toEqual({ id: origin.id, title: "hidden origin" });
  });

  it("studio: a public fork's page names an unlisted origin only to its owner and members", async () => {
    const origin = await experiment("studio origin", "unlisted", owner.id);
    await share(origin.id, { identity: member, cookie: "" }, "viewer");
    const fork = await experiment("studio child", "public", forker.id, origin.id);
    const originSeenBy = async (me: Identity | null) => (await getStudio(me, fork.id))!.forkedFrom;
    for (const me of [null, newGuest(), stranger, forker])
      expect(await originSeenBy(me), me?.name ?? "anonymous").toBeNull();
    for (const me of [owner, member])
      expect(await originSeenBy(me)).toEqual({ id: origin.id, title: "studio origin" });
  });
});
