/**
 * Helpers that take costly work off the web server's event loop (admission threads, views render
 * processes) run at a lower CPU priority than the web thread, so on a busy machine they wait for a
 * core rather than the event loop does.
 */
import { setPriority } from "node:os";

export const HELPER_NICE = 10;

/**
 * Lowers the calling thread's priority: on Linux `setpriority` with pid 0 sets the nice value of
 * the calling thread only, and threads it starts later inherit it. Best effort.
 */
export function lowerPriority(): void {
  try {
    setPriority(HELPER_NICE);
  } catch {
    // Not permitted here (some containers): the helper still runs, at the same priority.
  }
}
