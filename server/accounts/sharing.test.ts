import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { closeDb, db } from "../db/client";
import { AccountError } from "./errors";
import { onAccessRevoked, type AccessRevoked } from "./events";
import { roleOf } from "./roles";
import {
  addMember,
  createShareLink,
  listMembers,
  listShareLinks,
  redeemShareLink,
  revokeMember,
  revokeShareLink,
  setVisibility,
} from "./sharing";
import { useTempDatabase } from "./testing";

const ids: Record<string, string> = {};
let exp = "";
let events: AccessRevoked[] = [];

beforeAll(async () => {
  await useTempDatabase("sharing");
  for (const name of ["olga", "emil", "rita", "vera", "mallory"]) {
    ids[name] = (
      await db().user.create({
        data: { username: name, displayName: name, passwordHash: "$argon2id$secret" },
      })
    ).id;
  }
  exp = (
    await db().experiment.create({
      data: { title: "t", yaml: "", ownerId: ids.olga, visibility: "private" },
    })
  ).id;
  onAccessRevoked((e) => events.push(e));
});
afterAll(async () => {
  await closeDb();
});

async function code(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(AccountError);
  return (e as AccountError).code;
}

describe("invites by username", () => {
  it("the owner invites; the invitee gets exactly that role", async () => {
    const m = await addMember(ids.olga, exp, "EMIL", "editor");
    expect(m).toEqual({
      user: { id: ids.emil, username: "emil", displayName: "emil", color: "#6366f1" },
      role: "editor",
    });
    expect(await roleOf(ids.emil, exp)).toBe("editor");
    await addMember(ids.olga, exp, "rita", "runner");
    const members = await listMembers(ids.olga, exp);
    expect(members.map((x) => [x.user.username, x.role])).toEqual([
      ["emil", "editor"],
      ["rita", "runner"],
    ]);
    expect(JSON.stringify(members)).not.toContain("argon2");
  });

  it("nobody else may invite; a stranger cannot even tell the experiment exists", async () => {
    expect(await code(addMember(ids.emil, exp, "mallory", "editor"))).toBe("forbidden");
    expect(await code(addMember(ids.mallory, exp, "mallory", "editor"))).toBe("not_found");
    expect(await code(addMember(ids.mallory, "no-such-id", "mallory", "editor"))).toBe("not_found");
    expect(await code(listMembers(ids.rita, exp))).toBe("forbidden");
    expect(await roleOf(ids.mallory, exp)).toBeNull();
  });

  it("ownership cannot be handed out, nor unknown roles, nor to unknown users", async () => {
    expect(await code(addMember(ids.olga, exp, "vera", "owner"))).toBe("invalid_role");
    expect(await code(addMember(ids.olga, exp, "vera", "admin" as never))).toBe("invalid_role");
    expect(await code(addMember(ids.olga, exp, "nobody", "viewer"))).toBe("not_found");
    expect(await code(addMember(ids.olga, exp, "olga", "viewer"))).toBe("forbidden");
  });

  it("lowering a role and removing a member are announced with the role left", async () => {
    events = [];
    await addMember(ids.olga, exp, "emil", "viewer");
    await addMember(ids.olga, exp, "emil", "editor"); // raising is not a revocation
    expect(await revokeMember(ids.olga, exp, ids.rita)).toBe(true);
    expect(await revokeMember(ids.olga, exp, ids.rita)).toBe(false);
    expect(events).toEqual([
      { kind: "member", experimentId: exp, userId: ids.emil, role: "viewer" },
      { kind: "member", experimentId: exp, userId: ids.rita, role: null },
    ]);
    expect(await roleOf(ids.rita, exp)).toBeNull();
  });

  it("a member may leave; a member may not remove others", async () => {
    expect(await code(revokeMember(ids.emil, exp, ids.olga))).toBe("forbidden");
    await addMember(ids.olga, exp, "vera", "viewer");
    expect(await revokeMember(ids.vera, exp, ids.vera)).toBe(true);
    expect(await roleOf(ids.vera, exp)).toBeNull();
  });
});

describe("share links", () => {
  it("carry a role, are stored hashed, and make the redeemer a member", async () => {
    const link = await createShareLink(ids.olga, exp, "runner");
    expect(link.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(await db().shareLink.findMany())).not.toContain(link.token);
    expect(await redeemShareLink(link.token, ids.vera)).toEqual({
      experimentId: exp,
      role: "runner",
    });
    expect(await roleOf(ids.vera, exp)).toBe("runner");
    const listed = await listShareLinks(ids.olga, exp);
    expect(listed).toEqual([
      { id: link.id, role: "runner", createdAt: link.createdAt, revoked: false },
    ]);
  });

  it("never lower an existing role, and give the owner nothing new", async () => {
    const viewerLink = await createShareLink(ids.olga, exp, "viewer");
    expect(await redeemShareLink(viewerLink.token, ids.emil)).toEqual({
      experimentId: exp,
      role: "editor",
    });
    expect(await roleOf(ids.emil, exp)).toBe("editor");
    expect(await redeemShareLink(viewerLink.token, ids.olga)).toEqual({
      experimentId: exp,
      role: "owner",
    });
  });

  it("only the owner creates or revokes them; revoked, forged or owner-role links do not work", async () => {
    expect(await code(createShareLink(ids.emil, exp, "editor"))).toBe("forbidden");
    expect(await code(createShareLink(ids.olga, exp, "owner"))).toBe("invalid_role");
    const link = await createShareLink(ids.olga, exp, "editor");
    expect(await code(revokeShareLink(ids.emil, link.id))).toBe("forbidden");
    expect(await code(revokeShareLink(ids.mallory, link.id))).toBe("not_found");
    expect(await revokeShareLink(ids.olga, link.id)).toBe(true);
    expect(await code(redeemShareLink(link.token, ids.mallory))).toBe("invalid_link");
    expect(await code(redeemShareLink("A".repeat(43), ids.mallory))).toBe("invalid_link");
    expect(await code(redeemShareLink("../../etc/passwd", ids.mallory))).toBe("invalid_link");
    // a row that says "owner" (written by anything but createShareLink) grants nothing
    const forged = "B".repeat(43);
    const tokenHash = createHash("sha256").update(`share:${forged}`).digest("hex");
    await db().shareLink.create({ data: { experimentId: exp, role: "owner", tokenHash } });
    expect(await code(redeemShareLink(forged, ids.mallory))).toBe("invalid_link");
    expect(await roleOf(ids.mallory, exp)).toBeNull();
  });
});

describe("visibility", () => {
  it("going private is announced and shuts out non-members; invalid values are refused", async () => {
    const open = (
      await db().experiment.create({
        data: { title: "o", yaml: "", ownerId: ids.olga, visibility: "public" },
      })
    ).id;
    expect(await roleOf(ids.mallory, open)).toBe("viewer");
    events = [];
    await setVisibility(ids.olga, open, "unlisted");
    expect(events).toEqual([]);
    await setVisibility(ids.olga, open, "private");
    expect(events).toEqual([{ kind: "visibility", experimentId: open, visibility: "private" }]);
    expect(await roleOf(ids.mallory, open)).toBeNull();
    expect(await code(setVisibility(ids.olga, open, "secret" as never))).toBe("invalid_visibility");
    expect(await code(setVisibility(ids.mallory, open, "public"))).toBe("not_found");
  });
});
