/**
 * Plain words for why the server ended the shared document's connection for good (close codes
 * of `server/collab/types.ts`; y-websocket does not retry 4400–4499), for the editor's banner.
 */
import { CLOSE } from "@/server/collab/types";

export interface DocumentClose {
  code: number;
  reason: string;
}

export function closeMessage({ code, reason }: DocumentClose): string {
  switch (code) {
    case CLOSE.documentTooLarge.code:
      return (
        "Your last change was not saved: it would make this experiment bigger than the server " +
        `allows (${reason.replace(/^document too large: /, "")}). ` +
        "Reload to go on from the saved text; shorten it, or move parts into a new experiment."
      );
    case CLOSE.rateLimited.code:
      return "Your changes came in faster than the server accepts, so it stopped taking them. Reload to go on from the saved text.";
    case CLOSE.forbidden.code:
    case CLOSE.notFound.code:
      return "You no longer have access to this experiment.";
    case CLOSE.unauthorized.code:
      return "Your session ended. Sign in again to keep editing.";
    default:
      return `The connection to the shared text was closed (${reason || code}). Reload to reconnect.`;
  }
}
