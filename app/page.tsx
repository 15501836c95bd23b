import { listRenders } from "@/server/data/gallery";

export const dynamic = "force-dynamic";

export default async function GalleryPage() {
  const renders = await listRenders();
  return (
    <section>
      <h1 className="mb-1 text-2xl font-semibold">Gallery</h1>
      <p className="mb-6 text-sm text-zinc-400">Finished renders from the community. Fork any of them.</p>
      {renders.length === 0 ? (
        <p data-testid="gallery-empty" className="rounded border border-dashed border-zinc-700 p-8 text-center text-zinc-400">
          No renders yet. Start an experiment and yours will be the first.
        </p>
      ) : (
        <ul data-testid="gallery" className="grid grid-cols-2 gap-4 md:grid-cols-4">
          {renders.map((r) => (
            <li key={r.runId} className="rounded border border-zinc-800 p-3">
              <div className="font-medium">{r.title}</div>
              <div className="truncate text-xs text-zinc-400">{r.prompts}</div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
