/**
 * A trainer host in this process: the GPU worker is already a process of its own, off every web
 * server's event loop, so there is no child to fork (and no second process for a SIGTERM to kill
 * before the current step is saved). The run itself is the same `trainerSession` a slot's child
 * process runs.
 */
import type { HostEvent, TrainerHost } from "../runs/ports";
import { trainerSession } from "../runs/trainer-session";

export function localTrainerHost(): TrainerHost {
  let listener: ((event: HostEvent) => void) | null = null;
  const session = trainerSession(
    (event) => {
      const current = listener;
      if (event.type === "ended") listener = null;
      current?.(event);
    },
    { sameProcess: true },
  );
  return {
    alive: true,
    start(request, l) {
      if (listener) throw new Error("this worker is busy");
      listener = l;
      void session.start(request);
    },
    pause: () => session.pause(),
    resume: () => session.resume(),
    stop: () => void session.stop(),
    update: (yaml, images) => session.update(yaml, images),
    terminate: () => session.stop(),
  };
}
