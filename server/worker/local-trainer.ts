/**
 * A `RunWorker` that hosts the trainer in this process: the GPU worker is already a process of its
 * own, off every web server's event loop, so there is no child to fork (and no second process for a
 * SIGTERM to kill before the current step is saved). Same behaviour as `server/runs/worker.ts`:
 * images come only from uploads, and pixel buffers are copied before they leave the trainer.
 */
import { parseExperiment } from "../../lib/experiment";
import type { ImageFrame, Trainer, TrainerEvent } from "../engine/trainer/api";
import type { RunEvent, RunWorker } from "../runs/run-worker";
import { parsePinnedYaml, startTrainer } from "../runs/start-trainer";

const copy = (frame: ImageFrame): ImageFrame => ({
  ...frame,
  rgba: new Uint8ClampedArray(frame.rgba),
});
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The trainer may reuse its pixel buffers after an event: the run keeps its own copies. */
function detach(event: TrainerEvent): TrainerEvent {
  if (event.type === "frame") return { ...event, frame: copy(event.frame) };
  if (event.type === "snapshot" || event.type === "done")
    return { ...event, frame: copy(event.frame) };
  return event;
}

export function localTrainerWorker(): RunWorker {
  let trainer: Trainer | null = null;
  let listener: ((event: RunEvent) => void) | null = null;
  let stopRequested = false;
  let pauseRequested = false;
  /** The run's vetted images; an update may add some (the host reads this same object). */
  let images: Record<string, Uint8Array> = {};
  const emit = (event: RunEvent) => listener?.(event);

  return {
    alive: true,
    start(request, l) {
      if (listener) throw new Error("this worker is busy");
      listener = l;
      stopRequested = false;
      pauseRequested = false;
      void (async () => {
        try {
          const config = parsePinnedYaml(request.yaml);
          emit({ type: "status", status: "loading" });
          images = { ...request.images };
          const created = await startTrainer(request, config, images);
          trainer = created;
          created.on((event) => emit(detach(event)));
          if (pauseRequested) created.pause();
          if (!stopRequested) await created.run();
          if (stopRequested && created.status !== "done")
            emit({ type: "status", status: "stopped" });
          await created.dispose();
        } catch (error) {
          emit({ type: "error", message: messageOf(error) });
        }
        trainer = null;
        emit({ type: "ended" });
        listener = null;
      })();
    },
    pause() {
      pauseRequested = true;
      trainer?.pause();
    },
    resume() {
      pauseRequested = false;
      trainer?.resume();
    },
    stop() {
      stopRequested = true;
      void trainer?.stop();
    },
    async update(yaml, added) {
      Object.assign(images, added);
      const parsed = parseExperiment(yaml);
      if (!parsed.ok || !parsed.config) throw new Error("invalid experiment");
      if (!trainer) throw new Error("the run is still loading");
      return trainer.update(parsed.config);
    },
    async terminate() {
      await trainer?.stop();
    },
  };
}
