/**
 * A bench's studio server in a child process of its own (the same script with `--serve 1`), as in
 * production, where clients do not share its event loop. Parent and child talk over the fork's
 * IPC channel with `{ type }` messages; `stop` closes the server and ends the child.
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { useTempDatabase } from "../../server/collab/testing";
import {
  startStudioServer,
  type StudioServer,
  type StudioServerOptions,
} from "../../server/studio-server";

type Message = { type: string };

/** In the parent: forks `script` (its import.meta.url) as the server; `next(type)` resolves on the next message of that type. */
export function forkServer<To extends Message, From extends Message>(script: string) {
  const child = fork(fileURLToPath(script), ["--serve", "1"], {
    execArgv: process.execArgv,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const next = <T extends From["type"]>(type: T) =>
    new Promise<Extract<From, { type: T }>>((resolve) => {
      const on = (m: From) => {
        if (m.type !== type) return;
        child.off("message", on);
        resolve(m as Extract<From, { type: T }>);
      };
      child.on("message", on);
    });
  return { child, next, send: (m: To) => child.send(m) };
}

/** In the child: the studio server (no pages) on a loopback port, over a fresh SQLite file. */
export async function startBenchStudio(
  options: Omit<StudioServerOptions, "port" | "handle"> & Partial<StudioServerOptions>,
): Promise<StudioServer> {
  await useTempDatabase();
  return startStudioServer({
    port: 0,
    host: "127.0.0.1",
    handle: (_req, res) => res.writeHead(404).end(),
    ...options,
  });
}

/** In the child: the parent's `stop` closes `studio` and ends the process; other messages go to `handle`. */
export function fromParent<To extends Message>(
  studio: StudioServer,
  handle: (m: Exclude<To, { type: "stop" }>) => unknown,
): void {
  process.on("message", async (m: To) => {
    if (m.type !== "stop") return void (await handle(m as Exclude<To, { type: "stop" }>));
    await studio.close();
    process.exit(0);
  });
}

/** In the child: a message to the parent. */
export const toParent = <From extends Message>(m: From) => process.send!(m);
