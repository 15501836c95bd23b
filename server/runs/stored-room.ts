/** What a room shows of an experiment whose run is not live: the stored state, final image or last snapshot, and chart. */
import type { EpochStats } from "../engine/trainer/api";
import type { FramePayload, HistoryPoint, RunState, RunStatus } from "../domain";
import { imageUrl, storedFrame } from "./images";
import type { RunRow, RunStore } from "./store";

/** What a joiner of a room gets right away. */
export interface RoomSnapshot {
  run: RunState | null;
  stats: EpochStats | null;
  history: HistoryPoint[];
  frame: FramePayload | null;
}

/** Chart points a joiner gets with the room's state (the rest arrive with later statistics). */
export const HISTORY_IN_ACK = 2000;

export async function storedRoom(
  store: RunStore,
  dataDir: string,
  row: RunRow,
): Promise<RoomSnapshot> {
  const snapshot = await store.lastSnapshot(row.id);
  const state: RunState = {
    runId: row.id,
    status: row.status as RunStatus,
    epoch: row.epoch,
    epochs: row.epochs,
    model: row.model,
  };
  if (row.device) state.device = row.device;
  if (row.error) state.message = row.error;
  if (snapshot) state.snapshotEpoch = snapshot.epoch;
  const file = row.imagePath ?? snapshot?.imagePath;
  if (row.imagePath) state.imageUrl = imageUrl(row.id, row.imagePath.split("/").pop()!);
  let frame: FramePayload | null = null;
  if (file) {
    try {
      const epoch = row.imagePath ? row.epoch : snapshot!.epoch;
      frame = { runId: row.id, ...(await storedFrame(dataDir, file, epoch)) };
    } catch {
      frame = null; // the file is gone: the room just shows no image
    }
  }
  const stats =
    snapshot && snapshot.stats !== "{}" ? (JSON.parse(snapshot.stats) as EpochStats) : null;
  return { run: state, stats, history: await store.history(row.id, HISTORY_IN_ACK), frame };
}
