import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { CollabServer } from "../collab/collab-server";
import { createExperiment, serveYjs, synced, tabHeaders, yjsTab } from "../collab/testing";
import { db } from "../db/client";
import { YJS_TEXT_FIELD } from "../realtime/protocol";
import { closeRedis, connectRedis } from "./redis";
import { testServices, TEST_REDIS_URL } from "./testing/services";
import { yjsFanout, type YjsFanout } from "./yjs-fanout";
import { clusterDatabaseExtension, compactMerging } from "./yjs-store";

/** One web node's collaboration side: its own HTTP port, Redis connections and fan-out. */
async function node(prefix: string, nodeId: string) {
  const pub = connectRedis(TEST_REDIS_URL, `${nodeId}-pub`);
  const sub = connectRedis(TEST_REDIS_URL, `${nodeId}-sub`);
  const fanout: YjsFanout = yjsFanout({ pub, sub, prefix, nodeId });
  const collab = new CollabServer({
    extensions: [clusterDatabaseExtension(), fanout],
    debounceMs: 100,
    maxDebounceMs: 300,
  });
  const http = await serveYjs(collab);
  return {
    collab,
    fanout,
    port: http.port,
    async stop() {
      await collab.close();
      await fanout.close();
      await http.close();
      await closeRedis(pub, sub);
    },
  };
}
type Node = Awaited<ReturnType<typeof node>>;

/** As a browser on the studio's page: same-origin upgrade, no cookie. */
const client = (n: Node, room: string) => yjsTab(n.port, room, tabHeaders(n.port));

const within = { timeout: 10_000, interval: 20 };

const services = testServices();
const prefix = services.prefix;
let a: Node;
let b: Node;

beforeAll(async () => {
  await services.start();
  a = await node(prefix, "node-a");
  b = await node(prefix, "node-b");
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await services.stop();
});

describe("Yjs across two nodes (Redis pub/sub, PostgreSQL)", () => {
  it("clients on different nodes co-edit one document and converge", async () => {
    const id = await createExperiment("epochs: 10\n");
    const ca = client(a, id);
    const cb = client(b, id);
    await Promise.all([synced(ca.provider), synced(cb.provider)]);
    expect(ca.text.toString()).toBe("epochs: 10\n");
    ca.text.insert(0, "# from A\n");
    cb.text.insert(cb.text.length, "# from B\n");
    for (let i = 0; i < 20; i++) (i % 2 ? ca : cb).text.insert(0, String(i % 10));
    await expect
      .poll(
        () => ca.text.toString() === cb.text.toString() && ca.text.toString().includes("# from B"),
        within,
      )
      .toBe(true);
    expect(cb.text.toString()).toContain("# from A");
    expect(a.fanout.size).toBe(1);
    expect(b.fanout.received).toBeGreaterThan(0);

    // Every edit is durable: once both leave, the stored YAML holds all of them.
    const final = ca.text.toString();
    ca.provider.destroy();
    cb.provider.destroy();
    await expect
      .poll(async () => (await db().experiment.findUnique({ where: { id } }))?.yaml, within)
      .toBe(final);
    await expect.poll(() => a.fanout.size + b.fanout.size, within).toBe(0);
    expect(await db().yjsUpdate.count({ where: { experimentId: id } })).toBe(0);
  });

  it("a node that loads the document later catches up with edits not yet stored", async () => {
    const id = await createExperiment("a: 1\n");
    const ca = client(a, id);
    await synced(ca.provider);
    ca.text.insert(0, "x");
    const cb = client(b, id);
    await synced(cb.provider);
    ca.text.insert(0, "y");
    await expect.poll(() => cb.text.toString(), within).toBe("yxa: 1\n");
    ca.provider.destroy();
    cb.provider.destroy();
  });
});

describe("merging compaction", () => {
  it("folds rows another node appended, even when this node's copy never saw them", async () => {
    const id = await createExperiment("");
    // Two nodes' copies of the document start from the same stored state.
    const seed = new Y.Doc();
    seed.getText(YJS_TEXT_FIELD).insert(0, "base\n");
    await db().experiment.update({
      where: { id },
      data: { yjsState: new Uint8Array(Y.encodeStateAsUpdate(seed)) },
    });
    const nodeA = new Y.Doc();
    const nodeB = new Y.Doc();
    Y.applyUpdate(nodeA, Y.encodeStateAsUpdate(seed));
    Y.applyUpdate(nodeB, Y.encodeStateAsUpdate(seed));
    // Each appends its own edit; neither has received the other's.
    const append = async (doc: Y.Doc, text: string) => {
      const before = Y.encodeStateVector(doc);
      doc.getText(YJS_TEXT_FIELD).insert(0, text);
      await db().yjsUpdate.create({
        data: { experimentId: id, update: new Uint8Array(Y.encodeStateAsUpdate(doc, before)) },
      });
    };
    await append(nodeA, "A ");
    await append(nodeB, "B ");
    // Both compact at once, each with its partial copy.
    await Promise.all([compactMerging(db(), id, nodeA), compactMerging(db(), id, nodeB)]);
    const row = await db().experiment.findUnique({ where: { id } });
    const stored = new Y.Doc();
    Y.applyUpdate(stored, row!.yjsState!);
    const text = stored.getText(YJS_TEXT_FIELD).toString();
    expect(text).toMatch(/^(A B |B A )base\n$/);
    expect(row!.yaml).toBe(text);
    expect(await db().yjsUpdate.count({ where: { experimentId: id } })).toBe(0);
  });
});
