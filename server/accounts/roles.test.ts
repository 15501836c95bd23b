import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb, db } from "../db/client";
import { ACTIONS, can, ROLES, roleOf, type Action, type Role } from "./roles";
import { useTempDatabase } from "./testing";

// The table as the issue states it: runners start runs but do not edit; viewers watch and fork.
const EXPECTED: Record<Role, Action[]> = {
  owner: ["view", "fork", "run", "edit", "manage"],
  editor: ["view", "fork", "run", "edit"],
  runner: ["view", "fork", "run"],
  viewer: ["view", "fork"],
};

describe("the permission table", () => {
  it.each(ROLES)("%s", (role) => {
    expect(ACTIONS.filter((a) => can(role, a))).toEqual(EXPECTED[role]);
  });
  it("no role may do nothing", () => {
    expect(ACTIONS.filter((a) => can(null, a))).toEqual([]);
  });
});

describe("roleOf", () => {
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    await useTempDatabase("roles");
    for (const name of ["owner", "editor", "runner", "viewer", "stranger"]) {
      ids[name] = (await db().user.create({ data: { username: name, displayName: name } })).id;
    }
    for (const visibility of ["public", "unlisted", "private", "bogus"]) {
      const e = await db().experiment.create({
        data: { title: visibility, yaml: "", ownerId: ids.owner, visibility },
      });
      ids[visibility] = e.id;
      for (const role of ["editor", "runner", "viewer"] as const) {
        await db().member.create({ data: { experimentId: e.id, userId: ids[role], role } });
      }
    }
  });
  afterAll(async () => {
    await closeDb();
  });

  const who = ["owner", "editor", "runner", "viewer", "stranger", "anonymous"] as const;
  const cases: [string, (Role | null)[]][] = [
    ["public", ["owner", "editor", "runner", "viewer", "viewer", "viewer"]],
    ["unlisted", ["owner", "editor", "runner", "viewer", "viewer", "viewer"]],
    ["private", ["owner", "editor", "runner", "viewer", null, null]],
    // an unknown visibility fails closed, like private
    ["bogus", ["owner", "editor", "runner", "viewer", null, null]],
  ];
  it.each(cases)("%s experiment", async (visibility, expected) => {
    const got = await Promise.all(
      who.map((w) => roleOf(w === "anonymous" ? null : ids[w], ids[visibility])),
    );
    expect(got).toEqual(expected);
  });

  it("a missing experiment and a malformed id look the same as a hidden one", async () => {
    expect(await roleOf(ids.owner, "no-such-experiment")).toBeNull();
    expect(await roleOf(null, "")).toBeNull();
    expect(await roleOf(null, "x".repeat(1000))).toBeNull();
  });

  it("a member row with an unknown role grants nothing beyond visibility", async () => {
    await db().member.update({
      where: { experimentId_userId: { experimentId: ids.private, userId: ids.viewer } },
      data: { role: "admin" },
    });
    expect(await roleOf(ids.viewer, ids.private)).toBeNull();
    expect(await roleOf(ids.viewer, ids.public)).toBe("viewer");
  });
});
