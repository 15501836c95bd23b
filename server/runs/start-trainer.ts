/**
 * Starts the trainer for one queued run, shared by the embedded worker process and the cluster's
 * GPU worker: parse the pinned YAML, then create the trainer on a host that only reads uploads,
 * with the server's quotas as the limits it checks at every epoch.
 */
import { parseExperiment, type ExperimentConfig } from "../../lib/experiment";
import type { Trainer } from "../engine/trainer/api";
import { createTrainerWith, nodeHost } from "../engine/trainer";
import type { RunLimits } from "../engine/trainer/run-limits";
import { runLimits } from "../limits/trainer-limits";
import type { StartRequest } from "./worker-protocol";

/** A shared server never opens paths or URLs users typed: images come from vetted uploads only. */
function uploadsOnly(images: Readonly<Record<string, Uint8Array>>) {
  const node = nodeHost({ images });
  return {
    ...node,
    loadImage(src: string) {
      if (images[src]) return node.loadImage(src);
      return Promise.reject(
        new Error(
          `image '${src}': upload it to the experiment first (the studio does not open paths or URLs)`,
        ),
      );
    },
  };
}

/** The run's config; throws the first error diagnostic of an invalid experiment. */
export function parsePinnedYaml(yaml: string) {
  const parsed = parseExperiment(yaml);
  if (!parsed.ok || !parsed.config)
    throw new Error(
      parsed.diagnostics.find((d) => d.severity === "error")?.message ?? "invalid experiment",
    );
  return parsed.config;
}

/** `images` is read live by the host, so an update may add to it. */
export function startTrainer(
  request: StartRequest,
  config: ExperimentConfig,
  images: Record<string, Uint8Array>,
  limits: RunLimits = runLimits(),
): Promise<Trainer> {
  return createTrainerWith(uploadsOnly(images), {
    limits,
    config,
    model: request.model,
    device: request.device,
    seed: request.seed,
    resume: request.resume,
    frameIntervalMs: request.frameIntervalMs,
    statsIntervalMs: request.statsIntervalMs,
    images,
  });
}
