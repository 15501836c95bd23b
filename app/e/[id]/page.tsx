import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { caller } from "@/server/data/caller";
import { getStudio } from "@/server/data/experiments";
import { checkId } from "@/server/data/validate";
import { Studio } from "@/app/_components/studio/studio";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ id: string }> };

async function load({ params }: Params) {
  const id = checkId((await params).id);
  const me = await caller();
  const studio = id.ok ? await getStudio(me, id.value) : null;
  if (!studio) notFound();
  return { studio, me };
}

export async function generateMetadata(props: Params): Promise<Metadata> {
  return { title: (await load(props)).studio.title };
}

export default async function StudioPage(props: Params) {
  const { studio, me } = await load(props);
  // proxy.ts gives every visitor a guest; a browser refusing cookies gets a placeholder name.
  const who = me ?? { id: "anonymous", name: "Visitor", color: "#a1a1aa" };
  return (
    <Studio
      key={studio.id}
      initial={studio}
      me={{ id: who.id, name: who.name, color: who.color }}
      signedIn={me?.kind === "user"}
    />
  );
}
