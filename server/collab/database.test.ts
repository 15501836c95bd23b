import { afterAll, describe, expect, it } from "vitest";
import pg from "pg";
import * as Y from "yjs";
import { closeDb, db } from "../db/client";
import { migrate } from "../db/migrate";
import { databaseExtension } from "./database";
import { createExperiment, useTempDatabase } from "./testing";

const PG_ADMIN = process.env.PG_ADMIN_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const pgName = `clipig_collab_${process.pid}_${Date.now()}`;
let pgCreated = false;

async function usePostgres(): Promise<void> {
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${pgName}"`);
  await admin.end();
  pgCreated = true;
  await closeDb();
  process.env.DATABASE_URL = PG_ADMIN.replace(/\/[^/]*$/, `/${pgName}`);
  await migrate();
}

afterAll(async () => {
  await closeDb();
  if (!pgCreated) return;
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${pgName}" WITH (FORCE)`);
  await admin.end();
});

const ext = databaseExtension();
const text = (doc: Y.Doc) => doc.getText("yaml").toString();

async function load(id: string): Promise<Y.Doc> {
  const doc = new Y.Doc();
  await ext.loadDocument!({ documentName: id, document: doc });
  return doc;
}

/** Appends every update of `doc` as the collaboration core does, and returns a way to wait for them. */
function appending(id: string, doc: Y.Doc) {
  let pending = Promise.resolve();
  doc.on("update", (update: Uint8Array) => {
    pending = pending.then(() => ext.change!({ documentName: id, document: doc, update }));
  });
  return () => pending;
}

describe.each([
  ["SQLite", () => useTempDatabase().then(() => undefined)],
  ["PostgreSQL", usePostgres],
])("persistence extension on %s", (_name, setUp) => {
  it("seeds once, appends, loads state + rows, compacts in one go, recovers", async () => {
    await setUp();
    const id = await createExperiment("epochs: 5\n");
    const first = await load(id);
    expect(text(first)).toBe("epochs: 5\n");
    const settled = appending(id, first);
    first.getText("yaml").insert(0, "# one\n");
    first.getText("yaml").insert(first.getText("yaml").length, "seed: 1\n");
    await settled();
    expect(await db().yjsUpdate.count({ where: { experimentId: id } })).toBe(2);
    expect((await db().experiment.findUniqueOrThrow({ where: { id } })).yaml).toBe("epochs: 5\n");

    const second = await load(id); // the seeded state plus the two rows: same items, no second seed
    expect(text(second)).toBe("# one\nepochs: 5\nseed: 1\n");
    Y.applyUpdate(second, Y.encodeStateAsUpdate(first));
    expect(text(second)).toBe("# one\nepochs: 5\nseed: 1\n");

    await ext.storeDocument!({ documentName: id, document: first });
    expect(await db().yjsUpdate.count({ where: { experimentId: id } })).toBe(0);
    expect((await db().experiment.findUniqueOrThrow({ where: { id } })).yaml).toBe(
      "# one\nepochs: 5\nseed: 1\n",
    );
    expect(text(await load(id))).toBe("# one\nepochs: 5\nseed: 1\n");

    first.getText("yaml").insert(0, "# two\n"); // appended, then the process "dies"
    await settled();
    expect(await ext.recover()).toEqual([id]);
    expect(await db().yjsUpdate.count({ where: { experimentId: id } })).toBe(0);
    expect((await db().experiment.findUniqueOrThrow({ where: { id } })).yaml).toBe(
      "# two\n# one\nepochs: 5\nseed: 1\n",
    );
  });
});
