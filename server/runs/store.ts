/**
 * Run persistence: Run rows (pinned YAML, status, timings), per-epoch RunStat rows written in
 * batches, Snapshot rows. Multi-row writes run in one transaction.
 */
import { db as defaultDb, type Db } from "../db/client";
import { admitRun, countRuns, type Quotas, type RunRefusal } from "../limits";
import type { EpochStats } from "../engine/trainer/api";
import { LIVE_STATUSES, type HistoryPoint } from "../domain";
import { assertYamlSize } from "../limits/yaml-size";

/** Statuses of a run that a restart interrupts. */

export interface NewRun {
  experimentId: string;
  userId: string | null;
  yaml: string;
  title: string;
  prompts: string;
  model: string;
  seed: number;
  epochs: number;
}

export interface RunRow {
  id: string;
  experimentId: string;
  /** Who started it (null: anonymous or a deleted account). */
  userId: string | null;
  yaml: string;
  title: string;
  model: string;
  device: string;
  seed: number;
  status: string;
  epochs: number;
  epoch: number;
  error: string | null;
  imagePath: string | null;
  runtimeMs: number;
}

export interface SnapshotRow {
  id: string;
  epoch: number;
  imagePath: string;
  stats: string;
}

/** One chart point from one epoch's statistics: loss and each feature's mean similarity. */
export function historyPoint(stats: EpochStats): HistoryPoint {
  return {
    epoch: stats.epoch,
    loss: stats.loss,
    similarities: stats.features.map((f) => f.similarity.mean),
  };
}

export class RunStore {
  constructor(private readonly database: () => Db = defaultDb) {}

  private get db() {
    return this.database();
  }

  /** The pinned text passed admission's byte limit; this write refuses one that did not (`YamlTooLarge`). */
  async create(run: NewRun): Promise<string> {
    assertYamlSize(run.yaml, `run of ${run.experimentId}`);
    const row = await this.db.run.create({
      data: { ...run, status: "queued" },
      select: { id: true },
    });
    return row.id;
  }

  /**
   * Inserts the run if its starter and the server have room in the queue, counting inside the
   * same transaction, so two starts at once cannot both squeeze past the limit.
   */
  async createAdmitted(
    run: NewRun,
    quotas: Quotas,
  ): Promise<{ ok: true; runId: string } | ({ ok: false } & RunRefusal)> {
    assertYamlSize(run.yaml, `run of ${run.experimentId}`, quotas.maxYamlBytes);
    return this.db.$transaction(async (tx) => {
      const refusal = admitRun(await countRuns(run.userId, tx), quotas);
      if (refusal) return { ok: false as const, ...refusal };
      const row = await tx.run.create({ data: { ...run, status: "queued" }, select: { id: true } });
      return { ok: true as const, runId: row.id };
    });
  }

  /** Whether the user and the server have room for one more queued run. */
  async admits(
    userId: string | null,
    quotas: Quotas,
  ): Promise<{ ok: true } | ({ ok: false } & RunRefusal)> {
    const refusal = admitRun(await countRuns(userId, this.db), quotas);
    return refusal ? { ok: false, ...refusal } : { ok: true };
  }

  async get(runId: string): Promise<RunRow | null> {
    return this.db.run.findUnique({ where: { id: runId } });
  }

  async latest(experimentId: string): Promise<RunRow | null> {
    return this.db.run.findFirst({ where: { experimentId }, orderBy: { queuedAt: "desc" } });
  }

  async update(
    runId: string,
    data: Partial<
      Pick<RunRow, "status" | "device" | "epoch" | "epochs" | "error" | "yaml" | "runtimeMs">
    > & {
      startedAt?: Date;
      finishedAt?: Date | null;
      imagePath?: string;
      width?: number;
      height?: number;
    },
  ): Promise<void> {
    if (data.yaml !== undefined) assertYamlSize(data.yaml, `run ${runId}`);
    await this.db.run.update({ where: { id: runId }, data });
  }

  async appendStats(
    runId: string,
    points: { stats: EpochStats; point: HistoryPoint }[],
  ): Promise<void> {
    if (!points.length) return;
    await this.db.runStat.createMany({
      data: points.map(({ stats, point }) => ({
        runId,
        epoch: point.epoch,
        loss: point.loss,
        data: JSON.stringify({
          similarities: point.similarities,
          constraints: stats.constraints.map((c) => c.loss.mean),
        }),
      })),
    });
  }

  /** The chart history of a run, oldest first (the newest `limit` epochs). */
  async history(runId: string, limit: number): Promise<HistoryPoint[]> {
    const rows = await this.db.runStat.findMany({
      where: { runId },
      orderBy: { epoch: "desc" },
      take: limit,
    });
    return rows.reverse().map((r) => {
      const data = JSON.parse(r.data) as { similarities?: number[] };
      return { epoch: r.epoch, loss: r.loss, similarities: data.similarities ?? [] };
    });
  }

  async addSnapshot(
    runId: string,
    epoch: number,
    imagePath: string,
    stats: EpochStats | null,
  ): Promise<string> {
    const row = await this.db.snapshot.create({
      data: { runId, epoch, imagePath, stats: JSON.stringify(stats ?? {}) },
      select: { id: true },
    });
    return row.id;
  }

  async lastSnapshot(runId: string): Promise<SnapshotRow | null> {
    return this.db.snapshot.findFirst({ where: { runId }, orderBy: { epoch: "desc" } });
  }

  /** Whether `imagePath` is an image this run recorded (final or snapshot). */
  async hasImage(runId: string, imagePath: string): Promise<{ experimentId: string } | null> {
    const run = await this.db.run.findUnique({
      where: { id: runId },
      select: { experimentId: true, imagePath: true },
    });
    if (!run) return null;
    if (run.imagePath === imagePath) return { experimentId: run.experimentId };
    const snap = await this.db.snapshot.findFirst({
      where: { runId, imagePath },
      select: { id: true },
    });
    return snap ? { experimentId: run.experimentId } : null;
  }

  /** Continuing after `epoch` (-1: from scratch): later statistics and snapshots will be produced again. */
  async rewind(runId: string, epoch: number): Promise<void> {
    await this.db.$transaction([
      this.db.runStat.deleteMany({ where: { runId, epoch: { gt: epoch } } }),
      this.db.snapshot.deleteMany({ where: { runId, epoch: { gt: epoch } } }),
      this.db.run.update({
        where: { id: runId },
        data: { status: "queued", epoch: Math.max(0, epoch), error: null, finishedAt: null },
      }),
    ]);
  }

  /** At start-up: runs that were live when the last process ended, and the queue no longer holds, are interrupted. */
  async markInterrupted(held: (runId: string) => Promise<boolean>): Promise<number> {
    const live = await this.db.run.findMany({
      where: { status: { in: [...LIVE_STATUSES] } },
      select: { id: true },
    });
    let interrupted = 0;
    for (const { id } of live) {
      if (await held(id)) continue;
      await this.update(id, { status: "interrupted" });
      interrupted++;
    }
    return interrupted;
  }
}
