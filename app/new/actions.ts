"use server";
import { redirect } from "next/navigation";
import { signedInCaller } from "@/server/data/caller";
import { createExperiment } from "@/server/data/experiments";
import { templateById } from "@/server/data/templates";
import { checkTitle, checkVisibility } from "@/server/data/validate";

export interface NewState {
  error?: string;
}

export async function createFromTemplate(_prev: NewState, formData: FormData): Promise<NewState> {
  const title = checkTitle(formData.get("title"));
  if (!title.ok) return { error: title.message };
  const template = templateById(formData.get("template"));
  if (!template) return { error: "Pick a template" };
  const visibility = checkVisibility(formData.get("visibility") ?? "public");
  if (!visibility.ok) return { error: visibility.message };
  const created = await createExperiment(await signedInCaller(), {
    title: title.value,
    yaml: template.yaml,
    visibility: visibility.value,
  });
  if (!created) redirect("/signin?next=/new");
  redirect(`/e/${created.id}`);
}
