"use server";
/**
 * Studio actions. Each validates its input before any write and re-checks access in the data
 * layer; results are plain objects the studio shows in place (no redirects mid-edit).
 */
import { revalidatePath } from "next/cache";
import { caller } from "@/server/data/caller";
import {
  forkExperiment,
  renameExperiment,
  setVisibility,
  type RevisionDto,
} from "@/server/data/experiments";
import { revisionText, saveRevision } from "@/server/data/revisions";
import {
  checkId,
  checkRevisionName,
  checkTitle,
  checkVisibility,
  checkYaml,
} from "@/server/data/validate";

export type Result<T = object> = ({ ok: true } & T) | { ok: false; message: string };

const DENIED = { ok: false as const, message: "You cannot change this experiment" };

export async function saveRevisionAction(
  experimentId: unknown,
  name: unknown,
  yaml: unknown,
): Promise<Result<{ revision: RevisionDto }>> {
  const id = checkId(experimentId, "experiment id");
  const n = checkRevisionName(name);
  const y = checkYaml(yaml);
  if (!id.ok || !n.ok || !y.ok)
    return { ok: false, message: [id, n, y].find((c) => !c.ok)!.message! };
  const revision = await saveRevision(await caller(), id.value, n.value, y.value);
  return revision ? { ok: true, revision } : DENIED;
}

export async function revisionTextAction(
  revisionId: unknown,
): Promise<Result<{ name: string; yaml: string }>> {
  const id = checkId(revisionId, "revision id");
  if (!id.ok) return { ok: false, message: id.message };
  const rev = await revisionText(await caller(), id.value);
  return rev ? { ok: true, ...rev } : { ok: false, message: "That revision is gone" };
}

export async function forkAction(
  experimentId: unknown,
  yaml: unknown,
): Promise<Result<{ id: string }>> {
  const id = checkId(experimentId, "experiment id");
  const y = checkYaml(yaml);
  if (!id.ok) return { ok: false, message: id.message };
  if (!y.ok) return { ok: false, message: y.message };
  const me = await caller();
  if (me?.kind !== "user") return { ok: false, message: "Sign in to fork experiments" };
  const fork = await forkExperiment(me, id.value, y.value);
  if (!fork) return { ok: false, message: "That experiment is gone" };
  revalidatePath(`/e/${id.value}`);
  return { ok: true, id: fork.id };
}

export async function renameAction(
  experimentId: unknown,
  title: unknown,
): Promise<Result<{ title: string }>> {
  const id = checkId(experimentId, "experiment id");
  const t = checkTitle(title);
  if (!id.ok) return { ok: false, message: id.message };
  if (!t.ok) return { ok: false, message: t.message };
  return (await renameExperiment(await caller(), id.value, t.value))
    ? { ok: true, title: t.value }
    : DENIED;
}

export async function visibilityAction(
  experimentId: unknown,
  visibility: unknown,
): Promise<Result> {
  const id = checkId(experimentId, "experiment id");
  const v = checkVisibility(visibility);
  if (!id.ok) return { ok: false, message: id.message };
  if (!v.ok) return { ok: false, message: v.message };
  return (await setVisibility(await caller(), id.value, v.value)) ? { ok: true } : DENIED;
}
