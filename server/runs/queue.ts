/**
 * The run queue: one active job per device slot (one per GPU, or one CPU slot), the rest wait in
 * order. Every change to the waiting line is reported, so rooms can show their position.
 */
export interface Slot<D = string> {
  name: string;
  device: D;
}

export class SlotQueue<J, D = string> {
  private readonly waiting: J[] = [];
  private readonly busy = new Map<Slot<D>, J>();

  constructor(
    private readonly slots: readonly Slot<D>[],
    /** Runs a job on a free slot; the slot frees when the promise settles. */
    private readonly execute: (job: J, slot: Slot<D>) => Promise<void>,
    /** The waiting line changed: jobs in order (position = index + 1). */
    private readonly onLine: (waiting: readonly J[]) => void,
    /** May this job start now, given those running? (per-user limits); one that may not keeps its place. */
    private readonly mayStart: (job: J, active: readonly J[]) => boolean = () => true,
  ) {
    if (!slots.length) throw new Error("the run queue needs at least one slot");
  }

  get active(): J[] {
    return [...this.busy.values()];
  }

  /** Jobs waiting for a slot, and jobs on one. */
  counts(): { waiting: number; active: number } {
    return { waiting: this.waiting.length, active: this.busy.size };
  }

  position(job: J): number | undefined {
    const i = this.waiting.indexOf(job);
    return i < 0 ? undefined : i + 1;
  }

  enqueue(job: J): void {
    this.waiting.push(job);
    this.pump();
    if (this.waiting.includes(job)) this.onLine(this.waiting);
  }

  /** Takes a job out of the line before it starts; false when it is not waiting. */
  remove(job: J): boolean {
    const i = this.waiting.indexOf(job);
    if (i < 0) return false;
    this.waiting.splice(i, 1);
    this.onLine(this.waiting);
    return true;
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (this.busy.has(slot) || !this.waiting.length) continue;
      const i = this.waiting.findIndex((j) => this.mayStart(j, this.active));
      if (i < 0) return;
      const [job] = this.waiting.splice(i, 1);
      this.busy.set(slot, job);
      this.execute(job, slot)
        .catch((error: unknown) =>
          console.error("runs: a job failed outside its own handling:", error),
        )
        .finally(() => {
          this.busy.delete(slot);
          this.pump();
          this.onLine(this.waiting);
        });
    }
  }
}
