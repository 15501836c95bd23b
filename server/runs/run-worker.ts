/**
 * The main-thread handle of a run's worker thread (`worker.ts`, loaded through tsx's loader by
 * `worker-boot.mjs`). A crash or an unexpected exit of the thread reads as an error event.
 */
import { Worker } from "node:worker_threads";
import type { TrainerEvent } from "../engine/trainer/api";
import type { FromWorker, StartRequest, ToWorker } from "./worker-protocol";

export interface RunWorker {
  start(request: StartRequest): void;
  pause(): void;
  resume(): void;
  stop(): void;
  update(yaml: string): Promise<{ rebuilt: boolean }>;
  /** Every trainer event, in order; `ended` once, when the thread is done. */
  on(listener: (event: TrainerEvent | { type: "ended" }) => void): void;
  terminate(): Promise<void>;
}

export type SpawnWorker = () => RunWorker;

const BOOT = new URL("./worker-boot.mjs", import.meta.url);
const ENTRY = new URL("./worker.ts", import.meta.url).href;

export const spawnThreadWorker: SpawnWorker = () => {
  const thread = new Worker(BOOT, { workerData: { entry: ENTRY } });
  const listeners: ((event: TrainerEvent | { type: "ended" }) => void)[] = [];
  const updates = new Map<number, { resolve: (r: { rebuilt: boolean }) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let ended = false;
  const emit = (event: TrainerEvent | { type: "ended" }) => {
    if (ended) return;
    if (event.type === "ended") ended = true;
    for (const l of listeners) l(event);
  };
  const send = (message: ToWorker) => {
    if (!ended) thread.postMessage(message);
  };

  thread.on("message", (message: FromWorker) => {
    if (message.type === "updated") {
      const pending = updates.get(message.id);
      updates.delete(message.id);
      if (message.error) pending?.reject(new Error(message.error));
      else pending?.resolve({ rebuilt: message.rebuilt });
    } else if (message.type === "event") emit(message.event);
    else emit({ type: "ended" });
  });
  thread.on("error", (error) => emit({ type: "error", message: `run worker crashed: ${error.message}` }));
  thread.on("exit", (code) => {
    if (!ended && code !== 0) emit({ type: "error", message: `run worker exited with code ${code}` });
    emit({ type: "ended" });
    for (const p of updates.values()) p.reject(new Error("the run ended"));
    updates.clear();
  });

  return {
    start: (request) => send({ type: "start", request }),
    pause: () => send({ type: "pause" }),
    resume: () => send({ type: "resume" }),
    stop: () => send({ type: "stop" }),
    update(yaml) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        if (ended) return reject(new Error("the run ended"));
        updates.set(id, { resolve, reject });
        send({ type: "update", id, yaml });
      });
    },
    on: (listener) => void listeners.push(listener),
    async terminate() {
      await thread.terminate();
    },
  };
};
