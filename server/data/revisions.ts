/** Named versions of an experiment's text: save the live text under a name, fetch one to restore. */
import { rightsId, type Identity } from "../auth/identity";
import { db } from "../db/client";
import { assertYamlSize } from "../limits/yaml-size";
import { canEdit } from "./access";
import { experimentRole, type RevisionDto } from "./experiments";

export async function saveRevision(
  me: Identity | null,
  experimentId: string,
  name: string,
  yaml: string,
): Promise<RevisionDto | null> {
  if (!canEdit(await experimentRole(me, experimentId))) return null;
  // The actions check first (`checkYaml`, the same limit); this write never stores more.
  assertYamlSize(yaml, `revision of ${experimentId}`);
  const rev = await db().revision.create({ data: { experimentId, name, yaml, authorId: rightsId(me) } });
  return { id: rev.id, name: rev.name, author: me?.name ?? null, createdAt: rev.createdAt.toISOString() };
}

/**
 * The text of a revision, for restoring. The client writes it into the shared document, so the
 * restore reaches everyone in the room at once and stays undoable like any edit.
 */
export async function revisionText(me: Identity | null, revisionId: string): Promise<{ name: string; yaml: string } | null> {
  const rev = await db().revision.findUnique({ where: { id: revisionId } });
  if (!rev || !canEdit(await experimentRole(me, rev.experimentId))) return null;
  return { name: rev.name, yaml: rev.yaml };
}
