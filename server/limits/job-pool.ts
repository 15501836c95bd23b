/**
 * A bounded pool of helpers (worker threads or child processes) that run one job at a time each,
 * so costly work on untrusted input stays off the web server's event loop:
 * - at most `size` helpers, started on demand; a job waits for a helper that has said it is ready;
 * - at most `queue` jobs waiting, more are answered at once as `busy`;
 * - each job has `timeoutMs` from the moment a helper takes it; past that the helper is killed
 *   (which really stops the work: a thread is terminated, a process gets SIGKILL) and the next job
 *   gets a fresh one. A helper that dies answers its job as `crashed`.
 * The pool never rejects: every failure becomes an answer through `fail`.
 */

/** One helper as the pool sees it. */
export interface Helper<In> {
  /** Thread id or process id. */
  readonly id: number;
  send(id: number, input: In): void;
  /** Stops it now; resolves once it is gone. */
  kill(): Promise<void>;
  /** Whether it keeps the process alive (while it boots for a waiting job or runs one). */
  hold(busy: boolean): void;
}

/** What a helper reports; `start` wires these to its messages and exit. */
export interface HelperEvents<Out> {
  ready(): void;
  answer(id: number, output: Out): void;
  exited(): void;
}

export type FailReason = "busy" | "timeout" | "crashed" | "closed";

export interface JobPoolOptions<In, Out> {
  size: number;
  queue: number;
  timeoutMs: number;
  /** Starts a helper that reports through `events`. */
  start(events: HelperEvents<Out>): Helper<In>;
  /** The answer for a job that could not run to its end. */
  fail(reason: FailReason): Out;
}

interface Job<In, Out> {
  id: number;
  input: In;
  resolve(output: Out): void;
  timer?: ReturnType<typeof setTimeout>;
}

interface Slot<In, Out> {
  helper: Helper<In>;
  ready: boolean;
  job: Job<In, Out> | null;
}

export class JobPool<In, Out> {
  private slots: Slot<In, Out>[] = [];
  private waiting: Job<In, Out>[] = [];
  private nextId = 1;
  private closed = false;
  /** Helpers killed by the timeout so far. */
  stopped = 0;

  constructor(private readonly options: JobPoolOptions<In, Out>) {}

  run(input: In): Promise<Out> {
    return new Promise((resolve) => {
      if (this.closed) return resolve(this.options.fail("closed"));
      const idle = this.slots.some((s) => s.ready && !s.job);
      if (!idle && this.waiting.length >= this.options.queue)
        return resolve(this.options.fail("busy"));
      this.waiting.push({ id: this.nextId++, input, resolve });
      this.pump();
    });
  }

  /** Ids of the live helpers (tests check that a stopped one is gone). */
  get helperIds(): number[] {
    return this.slots.map((s) => s.helper.id);
  }

  get load(): { running: number; waiting: number } {
    return { running: this.slots.filter((s) => s.job).length, waiting: this.waiting.length };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.waiting.splice(0)) job.resolve(this.options.fail("closed"));
    await Promise.all(this.slots.map((s) => this.remove(s, "closed")));
  }

  private pump(): void {
    for (;;) {
      const job = this.waiting[0];
      if (!job || this.closed) return;
      const slot = this.slots.find((s) => s.ready && !s.job);
      if (!slot) {
        const booting = this.slots.filter((s) => !s.ready).length;
        if (this.slots.length < this.options.size && booting < this.waiting.length) this.spawn();
        return;
      }
      this.waiting.shift();
      slot.job = job;
      slot.helper.hold(true);
      job.timer = setTimeout(() => {
        this.stopped++;
        void this.remove(slot, "timeout");
      }, this.options.timeoutMs);
      slot.helper.send(job.id, job.input);
    }
  }

  private spawn(): void {
    const slot: Slot<In, Out> = {
      ready: false,
      job: null,
      helper: this.options.start({
        ready: () => {
          slot.ready = true;
          this.pump();
          if (!slot.job) slot.helper.hold(false);
        },
        answer: (id, output) => {
          const job = slot.job;
          if (job?.id !== id) return;
          slot.job = null;
          clearTimeout(job.timer);
          job.resolve(output);
          this.pump();
          if (!slot.job) slot.helper.hold(false);
        },
        exited: () => {
          if (!this.slots.includes(slot)) return; // removed on purpose
          this.slots = this.slots.filter((s) => s !== slot);
          if (slot.job) {
            clearTimeout(slot.job.timer);
            slot.job.resolve(this.options.fail("crashed"));
          } else if (!slot.ready) {
            // It died starting: answer one waiting job rather than respawning for ever.
            this.waiting.shift()?.resolve(this.options.fail("crashed"));
          }
          this.pump();
        },
      }),
    };
    this.slots.push(slot); // held while it boots: a job is waiting for it
  }

  /** Kills a helper, then answers its job as `reason`; the next job gets a fresh helper. */
  private async remove(slot: Slot<In, Out>, reason: FailReason): Promise<void> {
    this.slots = this.slots.filter((s) => s !== slot);
    const job = slot.job;
    slot.job = null;
    if (job) clearTimeout(job.timer);
    const gone = slot.helper.kill();
    this.pump();
    await gone;
    job?.resolve(this.options.fail(reason));
  }
}
