import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { roleFor as socketRole } from "../auth/access";
import { newGuest } from "../auth/identity";
import { closeDb, db } from "../db/client";
import { migrate } from "../db/migrate";
import { dbTarget } from "../db/url";
import { roleFor } from "./access";
import { ensureUser } from "./users";

beforeAll(async () => {
  process.env.DATABASE_URL = `file:${path.join(mkdtempSync(path.join(tmpdir(), "clipig-access-")), "t.db")}`;
  await closeDb();
  await migrate(dbTarget());
});
afterAll(() => closeDb());

describe("roleFor", () => {
  it("pages and sockets decide the same role for every visibility and caller", async () => {
    const owner = newGuest();
    const member = newGuest();
    const stranger = newGuest();
    await ensureUser(db(), owner);
    await ensureUser(db(), member);
    for (const visibility of ["public", "unlisted", "private"]) {
      for (const memberRole of ["viewer", "runner", "editor"]) {
        const exp = await db().experiment.create({ data: { title: "t", yaml: "", visibility, ownerId: owner.id } });
        await db().member.create({ data: { experimentId: exp.id, userId: member.id, role: memberRole } });
        for (const [who, role] of [
          [owner, null],
          [member, memberRole],
          [stranger, null],
          [null, null],
        ] as const) {
          const page = roleFor(exp, who, role);
          expect(page, `${visibility}/${memberRole}/${who?.name ?? "anonymous"}`).toBe(await socketRole(who, exp.id));
        }
      }
    }
  });
});
