/**
 * What the studio shows about the experiment's model before (and while) a start waits for it: the
 * live text's model looked up in the store's listing (`GET /api/models`, the server's one view of
 * what is installed), or the room's own wait, which is the server's word and carries the download's
 * progress. Pure: the hook and the panel do the fetching and drawing.
 */
import type { ModelsView } from "@/server/models/routes";
import type { ModelNeed } from "@/server/domain";

export type ModelPanelState =
  | { kind: "none" }
  | { kind: "need"; need: ModelNeed }
  /** The name is neither in the catalogue nor installed: Start would refuse it, so no Download. */
  | { kind: "unknown"; model: string; message: string; known: string[] };

type Listing = Pick<ModelsView, "models" | "downloads" | "rule">;
type Listed = ModelsView["models"][number];

/** The listing's entry for a name or alias, in any case (as the server's `findModel`). */
export function listedModel(listing: Pick<ModelsView, "models">, name: string): Listed | undefined {
  const lower = name.toLowerCase();
  return listing.models.find(
    (m) => m.name.toLowerCase() === lower || m.aliases.some((a) => a.toLowerCase() === lower),
  );
}

export function modelPanelState({
  model,
  listing,
  roomNeed,
  runActive = false,
}: {
  /** The live text's `model:` (null while it does not parse). */
  model: string | null;
  /** Null until fetched (or while a refetch after a download is on its way). */
  listing: Listing | null;
  /** The room's wait (`model:need`), if any. */
  roomNeed: ModelNeed | null;
  /** A run is on (e.g. with tiny-clip): the text's model concerns the next Start, not now. */
  runActive?: boolean;
}): ModelPanelState {
  // A pressed Start waits for this model whatever the text says now: the server decides.
  if (roomNeed?.waiting) return { kind: "need", need: roomNeed };
  if (!model || !listing || runActive)
    return roomNeed ? { kind: "need", need: roomNeed } : { kind: "none" };
  const entry = listedModel(listing, model);
  if (!entry)
    return {
      kind: "unknown",
      model,
      message: `unknown model '${model}'`,
      known: listing.models.map((m) => m.name),
    };
  // The room's download of this very model (with its progress) is newer than any listing.
  if (roomNeed?.model === entry.name) return { kind: "need", need: roomNeed };
  if (entry.status !== "not installed") return { kind: "none" };
  return {
    kind: "need",
    need: {
      model: entry.name,
      description: entry.description,
      bytes: entry.bytes,
      rule: listing.rule,
      requestedBy: null,
      waiting: false,
      download: listing.downloads.find((d) => d.model === entry.name) ?? null,
    },
  };
}
