"use server";
import { redirect } from "next/navigation";
import { signedInCaller } from "@/server/data/caller";
import { forkRun } from "@/server/data/experiments";
import { checkId } from "@/server/data/validate";

/** Fork a render: a new experiment with the run's exact text, then straight into its studio. */
export async function forkRunAction(formData: FormData): Promise<void> {
  const id = checkId(formData.get("runId"), "run id");
  if (!id.ok) throw new Error(id.message);
  const me = await signedInCaller();
  if (!me) redirect(`/signin?next=/r/${id.value}`);
  const fork = await forkRun(me, id.value);
  if (!fork) throw new Error("That render is gone or private");
  redirect(`/e/${fork.id}`);
}
