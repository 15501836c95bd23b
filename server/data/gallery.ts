/** Gallery queries: finished runs of public experiments, searchable and paged, as small DTOs. */
import { db } from "../db/client";
import { dbTarget } from "../db/url";
import { runImageUrl } from "./experiments";
import type { GalleryQuery } from "./validate";

export interface RenderCard {
  runId: string;
  experimentId: string;
  title: string;
  prompts: string;
  author: string | null;
  finishedAt: string | null;
  epochs: number;
  model: string;
  forks: number;
  imageUrl: string | null;
}

export interface GalleryPage {
  cards: RenderCard[];
  total: number;
  page: number;
  pages: number;
}

export const PAGE_SIZE = 24;

export async function listRenders(query: GalleryQuery = { q: "", sort: "newest", page: 1 }): Promise<GalleryPage> {
  // SQLite's LIKE is already case-insensitive; PostgreSQL needs Prisma's insensitive mode.
  const text = (value: string) =>
    dbTarget().kind === "postgres" ? { contains: value, mode: "insensitive" as const } : { contains: value };
  const where = {
    status: "done",
    experiment: { visibility: "public" },
    ...(query.q
      ? { OR: [{ title: text(query.q) }, { prompts: text(query.q) }, { experiment: { title: text(query.q) } }] }
      : {}),
  };
  const orderBy =
    query.sort === "forks"
      ? [{ experiment: { forkCount: "desc" as const } }, { finishedAt: "desc" as const }]
      : [{ finishedAt: "desc" as const }];
  const [total, runs] = await Promise.all([
    db().run.count({ where }),
    db().run.findMany({
      where,
      orderBy,
      take: PAGE_SIZE,
      skip: (query.page - 1) * PAGE_SIZE,
      include: { experiment: { include: { owner: { select: { displayName: true } } } } },
    }),
  ]);
  return {
    total,
    page: query.page,
    pages: Math.max(1, Math.ceil(total / PAGE_SIZE)),
    cards: runs.map((r) => ({
      runId: r.id,
      experimentId: r.experimentId,
      title: r.title || r.experiment.title,
      prompts: r.prompts,
      author: r.experiment.owner?.displayName ?? null,
      finishedAt: r.finishedAt?.toISOString() ?? null,
      epochs: r.epochs,
      model: r.model,
      forks: r.experiment.forkCount,
      imageUrl: r.imagePath ? runImageUrl(r.id) : null,
    })),
  };
}
