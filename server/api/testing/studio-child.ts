/**
 * A studio server in a child process of its own, for tests that look at the process from outside
 * (its memory map) or kill it (SIGKILL mid-run): forked through tsx with IPC, resolved once it
 * reports its port. `entry` is a script that starts the studio and sends `{ port }`.
 */
import { fork, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

export async function forkStudio(
  entry: string,
  args: string[] = [],
): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(entry, args, {
    execArgv: ["--import", TSX],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (m) => resolve((m as { port: number }).port));
    child.once("exit", (code) => reject(new Error(`studio process exited (${code})`)));
  });
  return { child, port };
}
