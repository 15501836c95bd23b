/**
 * Live frames outside React: the socket pushes encoded images in, the canvas pulls decoded
 * bitmaps out. Each frame is acked only after it is decoded and handed to the viewer, which is the
 * server's latest-wins flow control: a slow tab never makes the server queue frames for it.
 */
export interface DecodedFrame {
  runId: string;
  epoch: number;
  bitmap: ImageBitmap;
}

type Listener = (frame: DecodedFrame) => void;

export class FrameSink {
  private listeners = new Set<Listener>();
  current: DecodedFrame | null = null;
  /** Frames drawn since the page opened (shown in the UI, used by tests). */
  count = 0;
  /** Pushes so far, and the newest one shown: decodes may finish out of order. */
  private pushed = 0;
  private shownPush = 0;

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    if (this.current) listener(this.current);
    return () => this.listeners.delete(listener);
  }

  async push(
    meta: { runId: string; epoch: number; mime: string },
    data: ArrayBuffer | Uint8Array | Blob,
    ack: () => void,
  ): Promise<void> {
    const seq = ++this.pushed;
    try {
      const blob = data instanceof Blob ? data : new Blob([data as BlobPart], { type: meta.mime });
      const bitmap = await createImageBitmap(blob);
      // A newer frame decoded first (a sender that does not wait for acks): keep it, drop this one.
      if (seq < this.shownPush) return bitmap.close();
      this.shownPush = seq;
      this.show({ runId: meta.runId, epoch: meta.epoch, bitmap });
    } catch {
      // an undecodable frame is skipped; the next one replaces it anyway
    } finally {
      ack();
    }
  }

  /** Shows a still image (the last render, a snapshot) until live frames arrive. */
  async showUrl(url: string, runId: string, epoch: number): Promise<void> {
    const res = await fetch(url);
    if (!res.ok) return;
    const bitmap = await createImageBitmap(await res.blob());
    if (this.current && this.current.runId === runId && this.current.epoch > epoch) return;
    this.show({ runId, epoch, bitmap });
  }

  private show(frame: DecodedFrame) {
    const previous = this.current;
    this.current = frame;
    this.count++;
    for (const l of this.listeners) l(frame);
    if (previous && previous.bitmap !== frame.bitmap) previous.bitmap.close();
  }
}
