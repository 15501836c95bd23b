/**
 * The embedded `RunQueue`: the line in memory, one consumer per device slot, each handed one job at
 * a time. Same contract as the BullMQ queue (`server/cluster/bull-queue.ts`): a job held back
 * (`later`) waits after the ready ones until its time; a requeued one goes back to the front.
 */
import type { JobOutcome, RunConsumer, RunJob, RunQueue } from "./ports";

interface Consumer {
  handle(job: RunJob): Promise<JobOutcome>;
  busy: RunJob | null;
}

export function memoryQueue(): RunQueue {
  const ready: RunJob[] = [];
  const held = new Map<string, { job: RunJob; timer: ReturnType<typeof setTimeout> }>();
  const consumers: Consumer[] = [];
  let closed = false;

  const pump = () => {
    for (const consumer of consumers) {
      if (closed || consumer.busy || !ready.length) continue;
      const job = ready.shift()!;
      consumer.busy = job;
      void consumer
        .handle(job)
        .then(
          (outcome) => settle(job, outcome),
          (error: unknown) => console.error(`runs: job ${job.runId} failed:`, error),
        )
        .finally(() => {
          consumer.busy = null;
          pump();
        });
    }
  };

  const settle = (job: RunJob, outcome: JobOutcome) => {
    if (outcome.kind === "requeue") ready.unshift({ ...job, epoch: outcome.epoch });
    else if (outcome.kind === "later") {
      const timer = setTimeout(() => {
        held.delete(job.runId);
        ready.push(job);
        pump();
      }, outcome.ms);
      held.set(job.runId, { job, timer });
    }
  };

  return {
    enqueue(job) {
      ready.push(job);
      pump();
      return Promise.resolve();
    },
    cancel(runId) {
      const i = ready.findIndex((j) => j.runId === runId);
      if (i >= 0) ready.splice(i, 1);
      const h = held.get(runId);
      if (h) {
        clearTimeout(h.timer);
        held.delete(runId);
      }
      return Promise.resolve(i >= 0 || !!h);
    },
    waiting: () => Promise.resolve([...ready, ...[...held.values()].map((h) => h.job)]),
    has: (runId) =>
      Promise.resolve(
        ready.some((j) => j.runId === runId) ||
          held.has(runId) ||
          consumers.some((c) => c.busy?.runId === runId),
      ),
    counts: () =>
      Promise.resolve({
        waiting: ready.length + held.size,
        active: consumers.filter((c) => c.busy).length,
      }),
    consume(_name, handle): RunConsumer {
      const consumer: Consumer = { handle, busy: null };
      consumers.push(consumer);
      queueMicrotask(pump);
      return {
        close() {
          const i = consumers.indexOf(consumer);
          if (i >= 0) consumers.splice(i, 1);
          return Promise.resolve();
        },
      };
    },
    close() {
      closed = true;
      for (const h of held.values()) clearTimeout(h.timer);
      return Promise.resolve();
    },
  };
}
