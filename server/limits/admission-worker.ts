/**
 * One admission worker thread (started by `admission-pool.ts`): answers each job with
 * `checkText`, one at a time. It never opens files or sockets; the pool terminates it when a job
 * runs past its timeout.
 */
import { parentPort } from "node:worker_threads";
import type { FromThread, ToThread } from "./admission-pool";
import { lowerPriority } from "./helper-priority";
import { checkText } from "./text-check";

const port = parentPort;
if (!port) throw new Error("admission-worker.ts runs as a worker thread");
// Below the web thread: on Linux this sets this thread's own nice value, so on a busy machine
// checks wait for CPU rather than the event loop.
lowerPriority();
port.on("message", (job: ToThread) => {
  let reply: FromThread;
  try {
    reply = { type: "done", id: job.id, result: checkText(job.yaml, job.quotas) };
  } catch (error) {
    reply = { type: "failed", id: job.id, message: String(error) };
  }
  port.postMessage(reply);
});
port.postMessage({ type: "ready" } satisfies FromThread);
