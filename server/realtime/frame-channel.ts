/**
 * Latest-wins frame delivery to one client: at most one frame is unacknowledged; frames that
 * arrive meanwhile replace the one waiting, so a slow client skips frames instead of backing up
 * the server or the other clients. A lost ack counts as one after `ackTimeoutMs`.
 */
export class FrameChannel<F> {
  private inFlight = false;
  private waiting: F | null = null;
  /** Frames replaced before they were sent. */
  skipped = 0;

  constructor(private readonly transmit: (frame: F, acked: () => void) => void) {}

  offer(frame: F): void {
    if (!this.inFlight) return this.send(frame);
    if (this.waiting) this.skipped++;
    this.waiting = frame;
  }

  private send(frame: F): void {
    this.inFlight = true;
    let settled = false;
    this.transmit(frame, () => {
      if (settled) return;
      settled = true;
      this.inFlight = false;
      const next = this.waiting;
      this.waiting = null;
      if (next) this.send(next);
    });
  }
}
