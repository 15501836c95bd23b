/**
 * A device slot's trainer host process: runs `trainerSession` off the web server's event loop, one
 * run after another, over IPC. Started by `run-worker.ts`; ends with the web server (its IPC channel
 * closes).
 *
 * Images named by an experiment come only from uploads: a shared server never opens paths or URLs
 * that users typed (no file reads, no requests to internal addresses).
 */
import type { FromWorker, ToWorker } from "./worker-protocol";
import { trainerSession } from "./trainer-session";

// The parent may be gone (server stopped mid-epoch): drop the message instead of an EPIPE crash.
const post = (message: FromWorker): void => {
  if (process.connected) process.send?.(message, undefined, {}, () => undefined);
};

const session = trainerSession(
  (event) => post(event.type === "ended" ? { type: "ended" } : { type: "event", event }),
  { sameProcess: false },
);

async function update(id: number, yaml: string, added?: Record<string, Uint8Array>): Promise<void> {
  try {
    post({ type: "updated", id, rebuilt: (await session.update(yaml, added)).rebuilt });
  } catch (error) {
    post({ type: "updated", id, rebuilt: false, error: (error as Error).message });
  }
}

process.on("disconnect", () => process.exit(0));
process.on("message", (message: ToWorker) => {
  switch (message.type) {
    case "start":
      return void session.start(message.request);
    case "update":
      return void update(message.id, message.yaml, message.images);
    case "stop":
      return void session.stop();
    default:
      return session[message.type]();
  }
});
