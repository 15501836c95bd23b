/**
 * A device slot's worker process: hosts the trainer off the web server's event loop, one run after
 * another, forwards its events (frames throttled, latest wins) and obeys pause / resume / stop /
 * update. Started by `run-worker.ts`; ends with the web server (its IPC channel closes).
 *
 * Images named by an experiment come only from uploads: a shared server never opens paths or URLs
 * that users typed (no file reads, no requests to internal addresses).
 */
import { parseExperiment } from "../../lib/experiment";
import type { Trainer, TrainerEvent } from "../engine/trainer/api";
import type { FromWorker, StartRequest, ToWorker } from "./worker-protocol";
import { parsePinnedYaml, startTrainer } from "./start-trainer";

let trainer: Trainer | null = null;
/** The current run's images by name; the host reads from this object, so updates can add to it. */
let images: Record<string, Uint8Array> = {};
let stopRequested = false;
let pauseRequested = false;

// The parent may be gone (server stopped mid-epoch): drop the message instead of an EPIPE crash.
const post = (message: FromWorker): void => {
  if (process.connected) process.send?.(message, undefined, {}, () => undefined);
};
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Events are serialized when sent, so the trainer may reuse its pixel buffers afterwards. */
function sendEvent(event: TrainerEvent): void {
  post({ type: "event", event });
}

/** At most one frame per interval crosses the thread; a newer one replaces the one waiting. */
function frameThrottle(intervalMs: number) {
  let last = 0;
  let waiting: Extract<TrainerEvent, { type: "frame" }> | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    timer = undefined;
    if (!waiting) return;
    last = Date.now();
    sendEvent(waiting);
    waiting = null;
  };
  return {
    offer(event: Extract<TrainerEvent, { type: "frame" }>) {
      const wait = last + intervalMs - Date.now();
      if (wait <= 0 && !timer) {
        waiting = event;
        return flush();
      }
      // It waits: keep its own copy, the trainer may reuse the buffer.
      waiting = {
        ...event,
        frame: { ...event.frame, rgba: new Uint8ClampedArray(event.frame.rgba) },
      };
      timer ??= setTimeout(flush, Math.max(0, wait));
    },
    cancel() {
      clearTimeout(timer);
      timer = undefined;
      waiting = null;
    },
  };
}

async function start(request: StartRequest): Promise<void> {
  stopRequested = false;
  pauseRequested = false;
  let frames: ReturnType<typeof frameThrottle> | null = null;
  try {
    const config = parsePinnedYaml(request.yaml);
    post({ type: "event", event: { type: "status", status: "loading" } });
    images = { ...request.images };
    const created = await startTrainer(request, config, images);
    trainer = created;
    const throttle = (frames = frameThrottle(request.frameIntervalMs));
    created.on((event) => {
      if (event.type === "frame") return throttle.offer(event);
      if (event.type === "done") throttle.cancel(); // it carries the final frame
      sendEvent(event);
    });
    if (pauseRequested) created.pause();
    if (!stopRequested) await created.run();
    throttle.cancel();
    if (stopRequested && created.status !== "done")
      post({ type: "event", event: { type: "status", status: "stopped" } });
    await created.dispose();
  } catch (error) {
    frames?.cancel();
    post({ type: "event", event: { type: "error", message: messageOf(error) } });
  }
  trainer = null;
  post({ type: "ended" });
}

async function update(id: number, yaml: string, added?: Record<string, Uint8Array>): Promise<void> {
  Object.assign(images, added);
  const parsed = parseExperiment(yaml);
  if (!parsed.ok || !parsed.config)
    return post({ type: "updated", id, rebuilt: false, error: "invalid experiment" });
  if (!trainer)
    return post({ type: "updated", id, rebuilt: false, error: "the run is still loading" });
  try {
    post({ type: "updated", id, rebuilt: (await trainer.update(parsed.config)).rebuilt });
  } catch (error) {
    post({ type: "updated", id, rebuilt: false, error: messageOf(error) });
  }
}

process.on("disconnect", () => process.exit(0));
process.on("message", (message: ToWorker) => {
  switch (message.type) {
    case "start":
      return void start(message.request);
    case "update":
      return void update(message.id, message.yaml, message.images);
    case "pause":
      pauseRequested = true;
      return trainer?.pause();
    case "resume":
      pauseRequested = false;
      return trainer?.resume();
    case "stop":
      stopRequested = true;
      return void trainer?.stop();
  }
});
