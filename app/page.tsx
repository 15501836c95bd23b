import Link from "next/link";
import { listRenders } from "@/server/data/gallery";
import { galleryQuery, type GalleryQuery } from "@/server/data/validate";
import { RenderCardView } from "./_components/gallery/render-card";
import { SearchBox } from "./_components/gallery/search-box";

export const dynamic = "force-dynamic";

function href(q: GalleryQuery, change: Partial<GalleryQuery>) {
  const next = { ...q, ...change };
  const params = new URLSearchParams();
  if (next.q) params.set("q", next.q);
  if (next.sort !== "newest") params.set("sort", next.sort);
  if (next.page > 1) params.set("page", String(next.page));
  const s = params.toString();
  return s ? `/?${s}` : "/";
}

export default async function GalleryPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const query = galleryQuery(await searchParams);
  const { cards, total, page, pages } = await listRenders(query);
  const sortLink = (sort: GalleryQuery["sort"], label: string) => (
    <Link
      href={href(query, { sort, page: 1 })}
      aria-current={query.sort === sort ? "page" : undefined}
      className={`rounded-md px-2.5 py-1 ${query.sort === sort ? "bg-zinc-800 text-zinc-100" : "text-zinc-400 hover:text-zinc-100"}`}
    >
      {label}
    </Link>
  );
  return (
    <section className="mx-auto max-w-7xl px-5 py-6">
      <div className="mb-6 flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-semibold">Gallery</h1>
          <p className="text-sm text-zinc-400">
            Finished renders from everyone. Open one to see how it was made, or fork it.
          </p>
        </div>
        <div className="flex items-center gap-3">
          <nav className="flex gap-1 text-sm" aria-label="Sort">
            {sortLink("newest", "Newest")}
            {sortLink("forks", "Most forked")}
          </nav>
          <SearchBox q={query.q} sort={query.sort} />
        </div>
      </div>
      {query.q && (
        <p className="mb-4 text-sm text-zinc-400" data-testid="gallery-count">
          {total} {total === 1 ? "render matches" : "renders match"} “{query.q}” ·{" "}
          <Link href={href(query, { q: "", page: 1 })} className="text-fuchsia-400 hover:underline">
            clear
          </Link>
        </p>
      )}
      {cards.length === 0 ? (
        <p
          data-testid="gallery-empty"
          className="rounded-lg border border-dashed border-zinc-700 p-10 text-center text-zinc-400"
        >
          {query.q
            ? "Nothing matches that search."
            : "No renders yet. Start an experiment and yours will be the first."}
          <br />
          <Link href="/new" className="mt-3 inline-block text-fuchsia-400 hover:underline">
            New experiment →
          </Link>
        </p>
      ) : (
        <ul
          data-testid="gallery"
          className="grid grid-cols-2 gap-4 sm:grid-cols-3 lg:grid-cols-4 xl:grid-cols-5"
        >
          {cards.map((card) => (
            <RenderCardView key={card.runId} card={card} />
          ))}
        </ul>
      )}
      {pages > 1 && (
        <nav className="mt-8 flex items-center justify-center gap-3 text-sm" aria-label="Pages">
          {page > 1 ? (
            <Link className="btn" href={href(query, { page: page - 1 })} rel="prev">
              ← Newer
            </Link>
          ) : (
            <span className="btn opacity-40">← Newer</span>
          )}
          <span className="tabular-nums text-zinc-400">
            page {page} of {pages}
          </span>
          {page < pages ? (
            <Link className="btn" href={href(query, { page: page + 1 })} rel="next">
              Older →
            </Link>
          ) : (
            <span className="btn opacity-40">Older →</span>
          )}
        </nav>
      )}
    </section>
  );
}
