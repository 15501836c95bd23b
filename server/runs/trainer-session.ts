/**
 * A trainer host's side of a run, the same wherever the trainer lives (a slot's child process,
 * `worker.ts`, or a GPU worker's own process, `server/worker/local-trainer.ts`): create the trainer
 * for the request (on a host that only reads vetted uploads, with the server's quotas as the limits
 * it checks at every epoch), forward its events (frames throttled, latest wins), obey pause / resume / stop /
 * update, end with `ended` once the trainer is disposed.
 */
import { parseExperiment, type ExperimentConfig } from "../../lib/experiment";
import type { ImageFrame, Trainer, TrainerEvent } from "../engine/trainer/api";
import { createTrainerWith, nodeHost } from "../engine/trainer";
import type { RunLimits } from "../engine/trainer/run-limits";
import { runLimits } from "../limits/trainer-limits";
import type { HostEvent } from "./ports";
import type { StartRequest } from "./worker-protocol";

type FrameEvent = Extract<TrainerEvent, { type: "frame" }>;

/** A shared server never opens paths or URLs users typed: images come from vetted uploads only. */
function uploadsOnly(images: Readonly<Record<string, Uint8Array>>) {
  const node = nodeHost({ images });
  return {
    ...node,
    loadImage(src: string) {
      if (images[src]) return node.loadImage(src);
      return Promise.reject(
        new Error(
          `image '${src}': upload it to the experiment first (the studio does not open paths or URLs)`,
        ),
      );
    },
  };
}

/** The run's config; throws the first error diagnostic of an invalid experiment. */
function parsePinnedYaml(yaml: string) {
  const parsed = parseExperiment(yaml);
  if (!parsed.ok || !parsed.config)
    throw new Error(
      parsed.diagnostics.find((d) => d.severity === "error")?.message ?? "invalid experiment",
    );
  return parsed.config;
}

/** `images` is read live by the host, so an update may add to it. */
function startTrainer(
  request: StartRequest,
  config: ExperimentConfig,
  images: Record<string, Uint8Array>,
  limits: RunLimits = runLimits(),
): Promise<Trainer> {
  return createTrainerWith(uploadsOnly(images), {
    limits,
    config,
    model: request.model,
    device: request.device,
    seed: request.seed,
    resume: request.resume,
    frameIntervalMs: request.frameIntervalMs,
    statsIntervalMs: request.statsIntervalMs,
    images,
  });
}

const copy = (frame: ImageFrame): ImageFrame => ({
  ...frame,
  rgba: new Uint8ClampedArray(frame.rgba),
});
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The trainer may reuse its pixel buffers after an event: a receiver in this process keeps copies. */
function detach(event: TrainerEvent): TrainerEvent {
  if (event.type === "frame" || event.type === "snapshot" || event.type === "done")
    return { ...event, frame: copy(event.frame) };
  return event;
}

/** At most one frame per interval goes out; a newer one replaces the one waiting. */
function frameThrottle(intervalMs: number, send: (event: FrameEvent) => void) {
  let last = 0;
  let waiting: FrameEvent | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    timer = undefined;
    if (!waiting) return;
    last = Date.now();
    send(waiting);
    waiting = null;
  };
  return {
    offer(event: FrameEvent) {
      const wait = last + intervalMs - Date.now();
      if (wait <= 0 && !timer) {
        waiting = event;
        return flush();
      }
      // It waits: keep its own copy, the trainer may reuse the buffer.
      waiting = { ...event, frame: copy(event.frame) };
      timer ??= setTimeout(flush, Math.max(0, wait));
    },
    cancel() {
      clearTimeout(timer);
      timer = undefined;
      waiting = null;
    },
  };
}

export interface TrainerSession {
  start(request: StartRequest): Promise<void>;
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
  /** The new text, and the vetted images it names (added to those the run already has). */
  update(yaml: string, images?: Record<string, Uint8Array>): Promise<{ rebuilt: boolean }>;
}

/**
 * `emit` gets the run's events in order, then `ended`. With `sameProcess` the events are copied
 * before they leave (across a process they are serialized when sent, which copies them anyway).
 */
export function trainerSession(
  emit: (event: HostEvent) => void,
  { sameProcess }: { sameProcess: boolean },
): TrainerSession {
  let trainer: Trainer | null = null;
  /** The current run's images by name; the host reads from this object, so updates can add to it. */
  let images: Record<string, Uint8Array> = {};
  let stopRequested = false;
  let pauseRequested = false;
  const send = (event: TrainerEvent) => emit(sameProcess ? detach(event) : event);

  return {
    async start(request) {
      stopRequested = false;
      pauseRequested = false;
      let frames: ReturnType<typeof frameThrottle> | null = null;
      try {
        const config = parsePinnedYaml(request.yaml);
        emit({ type: "status", status: "loading" });
        images = { ...request.images };
        const created = await startTrainer(request, config, images);
        trainer = created;
        const throttle = (frames = frameThrottle(request.frameIntervalMs, send));
        created.on((event) => {
          if (event.type === "frame") return throttle.offer(event);
          if (event.type === "done") throttle.cancel(); // it carries the final frame
          send(event);
        });
        if (pauseRequested) created.pause();
        if (!stopRequested) await created.run();
        throttle.cancel();
        if (stopRequested && created.status !== "done") emit({ type: "status", status: "stopped" });
        await created.dispose();
      } catch (error) {
        frames?.cancel();
        emit({ type: "error", message: messageOf(error) });
      }
      trainer = null;
      emit({ type: "ended" });
    },
    pause() {
      pauseRequested = true;
      trainer?.pause();
    },
    resume() {
      pauseRequested = false;
      trainer?.resume();
    },
    async stop() {
      stopRequested = true;
      await trainer?.stop();
    },
    async update(yaml, added) {
      Object.assign(images, added);
      const parsed = parseExperiment(yaml);
      if (!parsed.ok || !parsed.config) throw new Error("invalid experiment");
      if (!trainer) throw new Error("the run is still loading");
      return trainer.update(parsed.config);
    },
  };
}
