/**
 * The embedded `TrainerHost`: the web server's handle of a device slot's worker process (`worker.ts`, run through tsx's
 * loader). One process per slot serves its runs one after another, so the second run of a model
 * skips booting and reading weights. A process, not a thread: onnxruntime-node aborts the whole
 * process when a thread using it is terminated, and a native crash in a child leaves the web
 * server standing. A crash or an unexpected exit ends the current run with an error; the next
 * run gets a fresh process.
 */
import { fork } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { HostEvent, SpawnTrainerHost } from "./ports";
import type { FromWorker, ToWorker } from "./worker-protocol";

const ENTRY = fileURLToPath(new URL("./worker.ts", import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

export const spawnProcessWorker: SpawnTrainerHost = () => {
  const child = fork(ENTRY, [], {
    execArgv: ["--import", TSX],
    serialization: "advanced", // typed arrays (pixels) cross as they are
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const updates = new Map<
    number,
    { resolve: (r: { rebuilt: boolean }) => void; reject: (e: Error) => void }
  >();
  let listener: ((event: HostEvent) => void) | null = null;
  let alive = true;
  let nextId = 1;
  let stopTimer: ReturnType<typeof setTimeout> | undefined;
  let forced = false;

  const emit = (event: HostEvent) => {
    const current = listener;
    if (event.type === "ended") {
      listener = null;
      clearTimeout(stopTimer);
      for (const p of updates.values()) p.reject(new Error("the run ended"));
      updates.clear();
    }
    current?.(event);
  };
  const send = (message: ToWorker) => {
    if (alive && child.connected) child.send(message);
  };
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  child.on("message", (message: FromWorker) => {
    if (message.type === "updated") {
      const pending = updates.get(message.id);
      updates.delete(message.id);
      if (message.error) pending?.reject(new Error(message.error));
      else pending?.resolve({ rebuilt: message.rebuilt });
    } else if (message.type === "event") emit(message.event);
    else emit({ type: "ended" });
  });
  child.on("error", (error) =>
    emit({ type: "error", message: `run worker failed: ${error.message}` }),
  );
  child.on("exit", (code, signal) => {
    alive = false;
    if (listener) {
      if (!forced)
        emit({ type: "error", message: `run worker exited (${signal ?? `code ${code}`})` });
      emit({ type: "ended" });
    }
  });
  const kill = () => {
    forced = true;
    child.kill("SIGKILL");
    return exited;
  };

  return {
    get alive() {
      return alive;
    },
    start(request, l) {
      if (listener) throw new Error("this worker is busy");
      listener = l;
      send({ type: "start", request });
    },
    pause: () => send({ type: "pause" }),
    resume: () => send({ type: "resume" }),
    stop(graceMs = 15_000) {
      send({ type: "stop" });
      clearTimeout(stopTimer);
      stopTimer = setTimeout(() => void kill(), graceMs); // a stop, not a failure: the run ends as stopped
    },
    update(yaml, images) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        if (!listener) return reject(new Error("no run is active"));
        updates.set(id, { resolve, reject });
        send({ type: "update", id, yaml, ...(images ? { images } : {}) });
      });
    },
    async terminate() {
      clearTimeout(stopTimer);
      if (alive) await kill();
    },
  };
};
