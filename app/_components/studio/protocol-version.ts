/**
 * Whether the server speaks another protocol than this page was built for: a deploy happened while
 * the tab was open. Such a page must not talk to the server (its events may mean other things);
 * it offers a reload instead.
 */
import { PROTOCOL_VERSION } from "@/server/realtime/protocol";

/** True unless `hello` is a greeting carrying exactly `own` (a malformed greeting counts as another protocol). */
export function protocolMismatch(hello: unknown, own: number = PROTOCOL_VERSION): boolean {
  if (typeof hello !== "object" || hello === null) return true;
  const protocol = (hello as { protocol?: unknown }).protocol;
  return !Number.isInteger(protocol) || protocol !== own;
}
