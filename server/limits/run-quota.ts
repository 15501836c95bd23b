/**
 * Run admission: may this user queue another run, and may the scheduler start the next one? Pure
 * checks over counts, plus `countRuns`, which reads the counts from the Run table. The runs layer
 * calls `admitRun` when `run:start` arrives (inside the transaction that inserts the Run row, so
 * two starts at once cannot both squeeze past the limit) and `mayStartRun` before taking a run
 * off the queue.
 */
import { db } from "../db/client";
import type { Quotas } from "./quotas";

export interface RunCounts {
  /** This user's runs that hold a device slot (loading, running or paused). */
  userActive: number;
  userQueued: number;
  serverActive: number;
  serverQueued: number;
}

export type RunRefusal = { code: "rate_limited" | "busy"; message: string };

export const ACTIVE_RUN_STATUSES = ["loading", "running", "paused"] as const;

/** May a new run be queued? null = yes. */
export function admitRun(c: RunCounts, q: Quotas): RunRefusal | null {
  if (c.userQueued >= q.maxQueuedRuns) {
    return {
      code: "rate_limited",
      message: `You have ${c.userQueued} runs waiting; at most ${q.maxQueuedRuns} may wait at once`,
    };
  }
  if (c.serverQueued >= q.serverMaxQueuedRuns) {
    return { code: "busy", message: "The server's run queue is full; try again later" };
  }
  return null;
}

/** May the scheduler start this user's next queued run now? */
export function mayStartRun(c: RunCounts, q: Quotas): boolean {
  return c.userActive < q.maxConcurrentRuns && c.serverActive < q.serverMaxConcurrentRuns;
}

type RunReader = Pick<ReturnType<typeof db>, "run">;

/** Counts from the Run table (pass the transaction client to count inside it). */
export async function countRuns(userId: string | null, tx: RunReader = db()): Promise<RunCounts> {
  const active = { in: [...ACTIVE_RUN_STATUSES] };
  const [userActive, userQueued, serverActive, serverQueued] = await Promise.all([
    userId === null ? 0 : tx.run.count({ where: { userId, status: active } }),
    userId === null ? 0 : tx.run.count({ where: { userId, status: "queued" } }),
    tx.run.count({ where: { status: active } }),
    tx.run.count({ where: { status: "queued" } }),
  ]);
  return { userActive, userQueued, serverActive, serverQueued };
}
