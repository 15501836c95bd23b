import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb, db } from "../db/client";
import { useTempDatabase } from "../accounts/testing";
import { DEFAULT_QUOTAS } from "./quotas";
import { admitRun, countRuns, mayStartRun } from "./run-quota";

const q = {
  ...DEFAULT_QUOTAS,
  maxConcurrentRuns: 1,
  maxQueuedRuns: 2,
  serverMaxConcurrentRuns: 2,
  serverMaxQueuedRuns: 3,
};

describe("admitRun / mayStartRun", () => {
  it("per-user and per-server queue limits", () => {
    expect(
      admitRun({ userActive: 0, userQueued: 1, serverActive: 0, serverQueued: 2 }, q),
    ).toBeNull();
    expect(
      admitRun({ userActive: 0, userQueued: 2, serverActive: 0, serverQueued: 2 }, q)?.code,
    ).toBe("rate_limited");
    expect(
      admitRun({ userActive: 0, userQueued: 0, serverActive: 0, serverQueued: 3 }, q)?.code,
    ).toBe("busy");
  });
  it("per-user and per-server concurrency", () => {
    expect(mayStartRun({ userActive: 0, userQueued: 1, serverActive: 1, serverQueued: 1 }, q)).toBe(
      true,
    );
    expect(mayStartRun({ userActive: 1, userQueued: 1, serverActive: 1, serverQueued: 1 }, q)).toBe(
      false,
    );
    expect(mayStartRun({ userActive: 0, userQueued: 1, serverActive: 2, serverQueued: 1 }, q)).toBe(
      false,
    );
  });
});

describe("countRuns", () => {
  beforeAll(async () => {
    await useTempDatabase("runquota");
  });
  afterAll(async () => {
    await closeDb();
  });

  it("reads the Run table", async () => {
    const [ann, ben] = await Promise.all(
      ["ann", "ben"].map((u) => db().user.create({ data: { username: u, displayName: u } })),
    );
    const exp = await db().experiment.create({ data: { title: "t", yaml: "" } });
    const run = (userId: string, status: string) =>
      db().run.create({
        data: { experimentId: exp.id, userId, status, yaml: "", model: "tiny-clip", seed: 1 },
      });
    await run(ann.id, "running");
    await run(ann.id, "queued");
    await run(ann.id, "done");
    await run(ben.id, "paused");
    await run(ben.id, "loading");
    await run(ben.id, "queued");
    await run(ben.id, "queued");
    expect(await countRuns(ann.id)).toEqual({
      userActive: 1,
      userQueued: 1,
      serverActive: 3,
      serverQueued: 3,
    });
    expect(await countRuns(null)).toEqual({
      userActive: 0,
      userQueued: 0,
      serverActive: 3,
      serverQueued: 3,
    });
    expect(admitRun(await countRuns(ben.id), q)?.code).toBe("rate_limited");
  });
});
