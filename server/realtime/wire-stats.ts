/**
 * The one place where the engine's run vocabulary becomes the wire's: `protocol.ts` keeps its own
 * DTOs (it imports nothing from the engine), and this module maps the trainer's statistics onto them.
 * A field the engine adds stays off the wire until it is added here and to `RunStats`.
 */
import type { EpochStats, TrainerStatus } from "../engine/trainer/api";
import type { RunStats } from "./protocol";
import type { RunStatus } from "../domain";

/** Every trainer state is a run state (compile-time check: a new one must be added to `RunStatus`). */
export const wireStatus = (status: TrainerStatus): RunStatus => status;

/** The trainer's epoch statistics as `stats` events and room states carry them. */
export function toWireStats(s: EpochStats): RunStats {
  return {
    epoch: s.epoch,
    epochs: s.epochs,
    loss: s.loss,
    lossSummary: s.lossSummary,
    learnrate: s.learnrate,
    learnrateScale: s.learnrateScale,
    epochsPerSecond: s.epochsPerSecond,
    elapsedMs: s.elapsedMs,
    graphMs: s.graphMs,
    resolution: s.resolution,
    device: s.device,
    features: s.features,
    constraints: s.constraints,
    image: s.image,
    ...(s.table ? { table: s.table } : {}),
  };
}
