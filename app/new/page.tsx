import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { signedInCaller } from "@/server/data/caller";
import { listMyExperiments } from "@/server/data/experiments";
import { TEMPLATES } from "@/server/data/templates";
import { timeAgo } from "@/app/_components/format";
import { NewExperimentForm } from "./new-form";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "New experiment" };

export default async function NewPage() {
  const me = await signedInCaller();
  if (!me) redirect("/signin?next=/new");
  const mine = await listMyExperiments(me);
  return (
    <section className="mx-auto grid max-w-6xl gap-8 px-5 py-6 lg:grid-cols-[minmax(0,1fr)_18rem]">
      <div>
        <h1 className="mb-1 text-2xl font-semibold">New experiment</h1>
        <p className="mb-6 text-sm text-zinc-400">
          Pick a starting point from the walk-through; everything stays editable.
        </p>
        <NewExperimentForm
          templates={TEMPLATES.map(({ id, title, description, yaml }) => ({
            id,
            title,
            description,
            yaml,
          }))}
        />
      </div>
      <aside>
        <h2 className="mb-2 text-xs font-medium tracking-wide text-zinc-400 uppercase">
          Yours and shared with you
        </h2>
        {mine.length === 0 ? (
          <p className="text-sm text-zinc-500">None yet.</p>
        ) : (
          <ul className="space-y-1" data-testid="my-experiments">
            {mine.map((e) => (
              <li key={e.id}>
                <Link
                  href={`/e/${e.id}`}
                  className="flex items-baseline justify-between gap-2 rounded px-2 py-1 text-sm hover:bg-zinc-900"
                >
                  <span className="truncate">{e.title}</span>
                  {e.role !== "owner" && (
                    <span className="shrink-0 rounded bg-zinc-800 px-1 text-[10px] text-zinc-400">
                      {e.role}
                    </span>
                  )}
                  <span className="shrink-0 text-[11px] text-zinc-500">{timeAgo(e.updatedAt)}</span>
                </Link>
              </li>
            ))}
          </ul>
        )}
      </aside>
    </section>
  );
}
