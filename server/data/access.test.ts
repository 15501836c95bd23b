import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { roleFor as socketRole } from "../auth/access";
import type { Identity } from "../auth/identity";
import { signedIn, useTempDatabase } from "../collab/testing";
import { closeDb, db } from "../db/client";
import { roleFor } from "./access";

beforeAll(async () => {
  await useTempDatabase();
});
afterAll(() => closeDb());

describe("roleFor", () => {
  it("pages and sockets decide the same role for every visibility, member role and caller", async () => {
    const owner = (await signedIn()).identity;
    const member = (await signedIn()).identity;
    const stranger = (await signedIn()).identity;
    // A guest cookie naming the owner's id is unsigned: it must not carry the owner's rights.
    const forged: Identity = { ...owner, kind: "guest", sessionId: undefined };
    for (const visibility of ["public", "unlisted", "private", "bogus"]) {
      for (const memberRole of ["viewer", "runner", "editor", "owner", "bogus"]) {
        const exp = await db().experiment.create({ data: { title: "t", yaml: "", visibility, ownerId: owner.id } });
        await db().member.create({ data: { experimentId: exp.id, userId: member.id, role: memberRole } });
        for (const [who, row] of [
          [owner, null],
          [member, memberRole],
          [stranger, null],
          [forged, null],
          [null, null],
        ] as const) {
          const page = roleFor(exp, who, row);
          expect(page, `${visibility}/${memberRole}/${who?.kind ?? "anonymous"}`).toBe(await socketRole(who, exp.id));
        }
        expect(roleFor(exp, forged)).toBe(visibility === "public" || visibility === "unlisted" ? "viewer" : null);
      }
    }
  });
});
