/**
 * Yjs persistence when several nodes hold the same document. Loading and appending are the
 * single-node extension's (`server/collab/database.ts`); compaction changes: a node's copy may lack
 * an update another node appended a moment ago, so instead of overwriting the stored state with its
 * own copy and deleting "its" rows, it merges — stored state + every pending row + its copy — into
 * the new state, and deletes exactly the rows it folded in. On PostgreSQL the experiment row is
 * locked for the compaction (`FOR NO KEY UPDATE`, which still lets other nodes append rows), so two
 * compactions run one after the other and neither drops what the other folded.
 */
import * as Y from "yjs";
import { databaseExtension, type DatabaseExtension } from "../collab/database";
import { db as defaultDb, type Db } from "../db/client";
import { dbTarget } from "../db/url";
import { YJS_TEXT_FIELD } from "../realtime/protocol";

/** Folds the stored state, every pending row and `live` (if any) into the stored state, in one transaction. */
export async function compactMerging(
  prisma: Db,
  experimentId: string,
  live: Y.Doc | null,
  postgres = dbTarget().kind === "postgres",
): Promise<boolean> {
  return prisma.$transaction(async (tx) => {
    if (postgres)
      await tx.$queryRaw`SELECT 1 FROM "Experiment" WHERE "id" = ${experimentId} FOR NO KEY UPDATE`;
    const row = await tx.experiment.findUnique({
      where: { id: experimentId },
      select: { yjsState: true },
    });
    if (!row) return false;
    const pending = await tx.yjsUpdate.findMany({
      where: { experimentId },
      orderBy: { id: "asc" },
      select: { id: true, update: true },
    });
    const merged = new Y.Doc();
    try {
      if (row.yjsState) Y.applyUpdate(merged, row.yjsState);
      for (const p of pending) Y.applyUpdate(merged, p.update);
      if (live) Y.applyUpdate(merged, Y.encodeStateAsUpdate(live));
      await tx.experiment.update({
        where: { id: experimentId },
        data: {
          yjsState: new Uint8Array(Y.encodeStateAsUpdate(merged)),
          yaml: merged.getText(YJS_TEXT_FIELD).toString(),
        },
      });
      if (pending.length)
        await tx.yjsUpdate.deleteMany({ where: { id: { in: pending.map((p) => p.id) } } });
      return true;
    } finally {
      merged.destroy();
    }
  });
}

export function clusterDatabaseExtension(database: () => Db = defaultDb): DatabaseExtension {
  const base = databaseExtension(database);
  return {
    loadDocument: base.loadDocument,
    change: base.change,
    async storeDocument({ documentName, document }) {
      await compactMerging(database(), documentName, document);
    },
    async recover() {
      const pending = await database().yjsUpdate.groupBy({ by: ["experimentId"] });
      for (const { experimentId } of pending) await compactMerging(database(), experimentId, null);
      return pending.map((p) => p.experimentId);
    },
  };
}
