import { beforeAll, describe, expect, it } from "vitest";
import { db } from "../db/client";
import { createExperiment, tinyExperiment, useTempDatabase } from "../collab/testing";
import { DEFAULT_QUOTAS } from "../limits";
import { RunStore, type NewRun } from "./store";

let experimentId: string;
const store = new RunStore();
const run = (yaml: string): NewRun => ({
  experimentId,
  userId: null,
  yaml,
  title: "",
  prompts: "",
  model: "tiny-clip",
  seed: 1,
  epochs: 5,
});
const huge = "é".repeat(40_000); // 80 000 UTF-8 bytes, over the 64 KiB default

beforeAll(async () => {
  await useTempDatabase();
  experimentId = await createExperiment(tinyExperiment(5, 0));
});

describe("pinned run texts", () => {
  it("are never stored over the YAML limit, on create, admitted create or update", async () => {
    await expect(store.create(run(huge))).rejects.toThrow(
      `run of ${experimentId}: The experiment text is 80000 bytes; this server allows at most 64 KiB`,
    );
    await expect(
      store.createAdmitted(run("a".repeat(2048)), { ...DEFAULT_QUOTAS, maxYamlBytes: 1024 }),
    ).rejects.toThrow(/allows at most 1 KiB/);
    expect(await db().run.count()).toBe(0);

    const id = await store.create(run(tinyExperiment(5, 0)));
    await expect(store.update(id, { yaml: huge })).rejects.toThrow(
      `run ${id}: The experiment text`,
    );
    expect((await store.get(id))?.yaml).toBe(tinyExperiment(5, 0));
  });
});
