/**
 * One render (a run) for its page and its downloads: pinned YAML, statistics series, snapshots,
 * lineage. Image files live under the data folder; only paths inside it are ever served.
 */
import path from "node:path";
import type { Identity } from "../auth/identity";
import { db } from "../db/client";
import { dataDir } from "../db/url";
import { roleFor } from "./access";
import { listableFor, listableWhere } from "./listing";
import { memberRole, runImageUrl, snapshotDto, type ExperimentRef, type SnapshotDto } from "./experiments";
import { labelsFromStats, seriesFrom, type StatSeries } from "./series";

export interface RenderDto {
  runId: string;
  status: string;
  title: string;
  prompts: string;
  model: string;
  device: string;
  seed: number;
  epoch: number;
  epochs: number;
  width: number;
  height: number;
  runtimeMs: number;
  error: string | null;
  queuedAt: string;
  finishedAt: string | null;
  author: string | null;
  yaml: string;
  imageUrl: string | null;
  experiment: ExperimentRef & { forkCount: number };
  forkedFrom: ExperimentRef | null;
  forks: (ExperimentRef & { owner: string | null })[];
  snapshots: SnapshotDto[];
  series: StatSeries;
}

async function runFor(me: Identity | null, runId: string) {
  const run = await db().run.findUnique({ where: { id: runId }, include: { experiment: true } });
  if (!run) return null;
  return roleFor(run.experiment, me, await memberRole(run.experimentId, me)) ? run : null;
}

export async function getRender(me: Identity | null, runId: string): Promise<RenderDto | null> {
  const run = await runFor(me, runId);
  if (!run) return null;
  const exp = run.experiment;
  const [owner, origin, forks, snapshots, stats] = await Promise.all([
    run.userId ?? exp.ownerId
      ? db().user.findUnique({ where: { id: (run.userId ?? exp.ownerId)! }, select: { displayName: true } })
      : null,
    exp.forkedFromId ? db().experiment.findUnique({ where: { id: exp.forkedFromId } }) : null,
    db().experiment.findMany({
      // Narrowed in the query too, so hidden forks do not use up the 50 places.
      where: { forkedFromId: exp.id, OR: listableWhere(me) },
      orderBy: { createdAt: "desc" },
      take: 50,
      include: { owner: { select: { displayName: true } } },
    }),
    db().snapshot.findMany({ where: { runId }, orderBy: { epoch: "asc" }, take: 200 }),
    db().runStat.findMany({ where: { runId }, orderBy: { epoch: "asc" }, select: { epoch: true, loss: true, data: true } }),
  ]);
  // Lineage names only what the caller may open without a link: an unlisted fork or origin's id
  // is its link, so listing it would share it with every visitor of this page.
  const [visibleOrigin] = await listableFor(origin ? [origin] : [], me);
  const visibleForks = await listableFor(forks, me);
  return {
    runId: run.id,
    status: run.status,
    title: run.title || exp.title,
    prompts: run.prompts,
    model: run.model,
    device: run.device,
    seed: run.seed,
    epoch: run.epoch,
    epochs: run.epochs,
    width: run.width,
    height: run.height,
    runtimeMs: run.runtimeMs,
    error: run.error,
    queuedAt: run.queuedAt.toISOString(),
    finishedAt: run.finishedAt?.toISOString() ?? null,
    author: owner?.displayName ?? null,
    yaml: run.yaml,
    imageUrl: run.imagePath ? runImageUrl(run.id) : null,
    experiment: { id: exp.id, title: exp.title, forkCount: exp.forkCount },
    forkedFrom: visibleOrigin ? { id: visibleOrigin.id, title: visibleOrigin.title } : null,
    forks: visibleForks.map((f) => ({ id: f.id, title: f.title, owner: f.owner?.displayName ?? null })),
    snapshots: snapshots.map(snapshotDto),
    series: seriesFrom(stats, labelsFromStats(snapshots.at(-1)?.stats)),
  };
}

/** Resolves a stored image path inside the data folder; anything pointing outside is refused. */
export function dataFile(stored: string): string | null {
  const root = dataDir();
  const file = path.resolve(root, stored);
  return file === root || file.startsWith(root + path.sep) ? file : null;
}

export async function runImageFile(me: Identity | null, runId: string): Promise<string | null> {
  const run = await runFor(me, runId);
  return run?.imagePath ? dataFile(run.imagePath) : null;
}

export async function runYaml(me: Identity | null, runId: string): Promise<{ yaml: string; title: string } | null> {
  const run = await runFor(me, runId);
  return run ? { yaml: run.yaml, title: run.title || run.experiment.title } : null;
}

export async function snapshotImageFile(me: Identity | null, snapshotId: string): Promise<string | null> {
  const snap = await db().snapshot.findUnique({ where: { id: snapshotId }, select: { runId: true, imagePath: true } });
  if (!snap || !(await runFor(me, snap.runId))) return null;
  return dataFile(snap.imagePath);
}
