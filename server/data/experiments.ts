/**
 * Experiments for the pages: create, open in the studio, fork, rename. Every function takes the
 * caller, checks the role, and returns a small DTO (never Yjs bytes); null means "not visible to
 * you" and pages turn it into notFound().
 */
import { isAccountError, setVisibility as setExperimentVisibility } from "../accounts";
import { isSignedIn, rightsId, type Identity } from "../auth/identity";
import type { Role } from "../domain";
import { db } from "../db/client";
import { canEdit, canFork, roleFor } from "./access";
import type { Visibility } from "./validate";
import { listableFor } from "./listing";

export interface ExperimentRef {
  id: string;
  title: string;
}

export interface RevisionDto {
  id: string;
  name: string;
  author: string | null;
  createdAt: string;
}

export interface RunSummary {
  id: string;
  status: string;
  epoch: number;
  epochs: number;
  model: string;
  queuedAt: string;
  finishedAt: string | null;
  imageUrl: string | null;
}

export interface SnapshotDto {
  id: string;
  runId: string;
  epoch: number;
  url: string;
}

export interface StudioDto {
  id: string;
  title: string;
  visibility: string;
  role: Role;
  yaml: string;
  owner: string | null;
  createdAt: string;
  forkedFrom: ExperimentRef | null;
  forkCount: number;
  revisions: RevisionDto[];
  runs: RunSummary[];
  /** Snapshots of the latest run, oldest first. */
  snapshots: SnapshotDto[];
}

export const runImageUrl = (runId: string) => `/api/runs/${runId}/image`;
export const snapshotImageUrl = (id: string) => `/api/snapshots/${id}/image`;

export function snapshotDto(s: { id: string; runId: string; epoch: number }): SnapshotDto {
  return { id: s.id, runId: s.runId, epoch: s.epoch, url: snapshotImageUrl(s.id) };
}

async function load(id: string) {
  return db().experiment.findUnique({
    where: { id },
    include: { forkedFrom: { select: { id: true, title: true, visibility: true, ownerId: true } } },
  });
}

export async function memberRole(experimentId: string, me: Identity | null): Promise<string | null> {
  const userId = rightsId(me);
  if (!userId) return null;
  const m = await db().member.findUnique({ where: { experimentId_userId: { experimentId, userId } } });
  return m?.role ?? null;
}

/** The caller's role on an experiment, or null when it is hidden from them (or missing). */
export async function experimentRole(me: Identity | null, id: string): Promise<Role | null> {
  const exp = await db().experiment.findUnique({ where: { id }, select: { ownerId: true, visibility: true } });
  return exp ? roleFor(exp, me, await memberRole(id, me)) : null;
}

/**
 * The origin link, only when the caller may see it named (`listableFor`): an unlisted origin's id
 * is its share link, so a public fork must not hand it to everyone who opens the fork.
 */
async function visibleRef(
  exp: { id: string; title: string; visibility: string; ownerId: string | null } | null,
  me: Identity | null,
) {
  if (!exp) return null;
  const [shown] = await listableFor([exp], me);
  return shown ? { id: shown.id, title: shown.title } : null;
}

export async function getStudio(me: Identity | null, id: string): Promise<StudioDto | null> {
  const exp = await load(id);
  if (!exp) return null;
  const role = roleFor(exp, me, await memberRole(id, me));
  if (!role) return null;
  const [owner, revisions, runs] = await Promise.all([
    exp.ownerId ? db().user.findUnique({ where: { id: exp.ownerId }, select: { displayName: true } }) : null,
    db().revision.findMany({
      where: { experimentId: id },
      orderBy: { createdAt: "desc" },
      take: 50,
      include: { author: { select: { displayName: true } } },
    }),
    db().run.findMany({ where: { experimentId: id }, orderBy: { queuedAt: "desc" }, take: 20 }),
  ]);
  const snapshots = runs[0]
    ? await db().snapshot.findMany({ where: { runId: runs[0].id }, orderBy: { epoch: "asc" }, take: 100 })
    : [];
  return {
    id: exp.id,
    title: exp.title,
    visibility: exp.visibility,
    role,
    yaml: exp.yaml,
    owner: owner?.displayName ?? null,
    createdAt: exp.createdAt.toISOString(),
    forkedFrom: await visibleRef(exp.forkedFrom, me),
    forkCount: exp.forkCount,
    revisions: revisions.map((r) => ({
      id: r.id,
      name: r.name,
      author: r.author?.displayName ?? null,
      createdAt: r.createdAt.toISOString(),
    })),
    runs: runs.map((r) => ({
      id: r.id,
      status: r.status,
      epoch: r.epoch,
      epochs: r.epochs,
      model: r.model,
      queuedAt: r.queuedAt.toISOString(),
      finishedAt: r.finishedAt?.toISOString() ?? null,
      imageUrl: r.imagePath ? runImageUrl(r.id) : null,
    })),
    snapshots: snapshots.map(snapshotDto),
  };
}

/** A new experiment owned by the caller; null for guests and anonymous visitors (sign in first). */
export async function createExperiment(
  me: Identity | null,
  input: { title: string; yaml: string; visibility: Visibility },
): Promise<{ id: string } | null> {
  if (!isSignedIn(me)) return null;
  return db().experiment.create({
    data: { title: input.title, yaml: input.yaml, visibility: input.visibility, ownerId: me.id },
    select: { id: true },
  });
}

/**
 * Forks an experiment: a new one owned by the caller with the given text (the studio sends its
 * live text, which may be ahead of the stored row), linked to its origin whose fork count grows.
 * Only the text travels — never the origin's members, share links, revisions, runs or history —
 * and only for a signed-in caller who may see the origin.
 */
export async function forkExperiment(me: Identity | null, sourceId: string, yaml?: string): Promise<{ id: string } | null> {
  const source = await db().experiment.findUnique({ where: { id: sourceId } });
  if (!source || !canFork(me, roleFor(source, me, await memberRole(sourceId, me)))) return null;
  return createFork(me!, source, yaml ?? source.yaml);
}

/** Forks the text a run was made with (the render page's "fork" button). */
export async function forkRun(me: Identity | null, runId: string): Promise<{ id: string } | null> {
  const run = await db().run.findUnique({ where: { id: runId }, include: { experiment: true } });
  if (!run || !canFork(me, roleFor(run.experiment, me, await memberRole(run.experimentId, me)))) return null;
  return createFork(me!, run.experiment, run.yaml);
}

async function createFork(me: Identity, source: { id: string; title: string; visibility: string }, yaml: string) {
  return db().$transaction(async (tx) => {
    const fork = await tx.experiment.create({
      data: {
        title: forkTitle(source.title),
        yaml,
        // As visible as its origin, never more: a private or unlisted text stays that way.
        visibility: source.visibility === "private" || source.visibility === "unlisted" ? source.visibility : "public",
        ownerId: me.id,
        forkedFromId: source.id,
      },
      select: { id: true },
    });
    await tx.experiment.update({ where: { id: source.id }, data: { forkCount: { increment: 1 } } });
    return fork;
  });
}

export function forkTitle(title: string): string {
  const base = title.replace(/ \(fork(?: \d+)?\)$/, "");
  return `${base} (fork)`.slice(0, 120);
}

export async function renameExperiment(me: Identity | null, id: string, title: string): Promise<boolean> {
  if (!canEdit(await experimentRole(me, id))) return false;
  await db().experiment.update({ where: { id }, data: { title } });
  return true;
}

/** Owners only; going private cuts everyone who loses access (through `onAccessRevoked`). */
export async function setVisibility(me: Identity | null, id: string, visibility: Visibility): Promise<boolean> {
  try {
    await setExperimentVisibility(rightsId(me) ?? "", id, visibility);
    return true;
  } catch (error) {
    if (isAccountError(error)) return false;
    throw error;
  }
}

export interface MyExperiment extends ExperimentRef {
  updatedAt: string;
  visibility: string;
  /** `owner`, or the role someone shared it with me. */
  role: Role;
}

/** What I own and what others shared with me, newest first. */
export async function listMyExperiments(me: Identity | null, take = 12): Promise<MyExperiment[]> {
  const userId = rightsId(me);
  if (!userId) return [];
  const rows = await db().experiment.findMany({
    where: { OR: [{ ownerId: userId }, { members: { some: { userId } } }] },
    orderBy: { updatedAt: "desc" },
    take,
    select: {
      id: true,
      title: true,
      updatedAt: true,
      visibility: true,
      ownerId: true,
      members: { where: { userId }, select: { role: true } },
    },
  });
  return rows.flatMap((r) => {
    const role = roleFor(r, me, r.members[0]?.role ?? null);
    return role ? [{ id: r.id, title: r.title, updatedAt: r.updatedAt.toISOString(), visibility: r.visibility, role }] : [];
  });
}
