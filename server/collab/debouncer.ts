/** Runs an async task `wait` ms after the last request, but never later than `maxWait` after the first. */
export class Debouncer {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private firstAt = 0;

  constructor(
    private readonly wait: number,
    private readonly maxWait: number,
    private readonly task: () => Promise<void>,
  ) {}

  get pending(): boolean {
    return this.timer !== undefined;
  }

  schedule(): void {
    const now = Date.now();
    if (this.timer === undefined) this.firstAt = now;
    else clearTimeout(this.timer);
    const delay = Math.max(0, Math.min(this.wait, this.firstAt + this.maxWait - now));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.task();
    }, delay);
  }

  /** Runs a pending task now (and waits for it); nothing when none is pending. */
  async flush(): Promise<void> {
    if (this.timer === undefined) return;
    this.cancel();
    await this.task();
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
