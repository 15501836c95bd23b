/** Gallery queries: finished runs of public experiments, as small DTOs for the pages. */
import { db } from "../db/client";

export interface RenderCard {
  runId: string;
  experimentId: string;
  title: string;
  prompts: string;
  author: string | null;
  finishedAt: string | null;
  epochs: number;
  model: string;
}

export async function listRenders(opts: { take?: number; skip?: number } = {}): Promise<RenderCard[]> {
  const runs = await db().run.findMany({
    where: { status: "done", experiment: { visibility: "public" } },
    orderBy: { finishedAt: "desc" },
    take: Math.min(opts.take ?? 24, 100),
    skip: opts.skip ?? 0,
    include: { experiment: { include: { owner: true } } },
  });
  return runs.map((r) => ({
    runId: r.id,
    experimentId: r.experimentId,
    title: r.title || r.experiment.title,
    prompts: r.prompts,
    author: r.experiment.owner?.displayName ?? null,
    finishedAt: r.finishedAt?.toISOString() ?? null,
    epochs: r.epochs,
    model: r.model,
  }));
}
