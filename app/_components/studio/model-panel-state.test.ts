import { describe, expect, it } from "vitest";
import type { ModelsView } from "@/server/models/routes";
import { KNOWN_MODELS } from "@/server/engine/platform/model-store";
import type { ModelDownload, ModelNeed } from "@/server/domain";
import { listedModel, modelPanelState } from "./model-panel-state";

const DEFAULT = "openai/clip-vit-base-patch32";

/** A listing as GET /api/models gives it: the real catalogue, with `installed` installed. */
function listing(installed: string[] = [], downloads: ModelDownload[] = []) {
  const models: ModelsView["models"] = KNOWN_MODELS.map((m) => ({
    name: m.name,
    aliases: m.aliases,
    description: m.description,
    status: m.bundled ? "bundled" : installed.includes(m.name) ? "installed" : "not installed",
    bytes: m.approxBytes,
    partialBytes: 0,
    isDefault: m.name === DEFAULT,
    dir: null,
  }));
  return { models, downloads, rule: "admins" as const };
}

const download = (model: string, status: ModelDownload["status"]): ModelDownload => ({
  model,
  status,
  received: 1000,
  total: 2000,
  bytesPerSecond: 500,
  etaSeconds: 2,
  file: "model.safetensors (4/4)",
  startedBy: "ann",
  error: null,
});

const roomNeed = (model: string, waiting: boolean): ModelNeed => ({
  model,
  description: "x",
  bytes: 1,
  rule: "admins",
  requestedBy: waiting ? "ann" : null,
  waiting,
  download: download(model, "downloading"),
});

describe("modelPanelState", () => {
  it("finds a model by name or alias in any case, as the server does", () => {
    expect(listedModel(listing(), "vit-b/32")?.name).toBe(DEFAULT);
    expect(listedModel(listing(), "OpenAI/CLIP-ViT-Base-Patch16")?.name).toBe(
      "openai/clip-vit-base-patch16",
    );
    expect(listedModel(listing(), "ViT-B/33")).toBeUndefined();
  });

  it("a model the store lacks: which one, its size, the rule, and no start waiting", () => {
    const state = modelPanelState({ model: "ViT-B/32", listing: listing(), roomNeed: null });
    expect(state).toEqual({
      kind: "need",
      need: {
        model: DEFAULT,
        description: "OpenAI CLIP ViT-B/32 (the default)",
        bytes: 605e6,
        rule: "admins",
        requestedBy: null,
        waiting: false,
        download: null,
      },
    });
  });

  it("an installed or bundled model shows nothing", () => {
    expect(
      modelPanelState({ model: "ViT-B/32", listing: listing([DEFAULT]), roomNeed: null }),
    ).toEqual({ kind: "none" });
    expect(modelPanelState({ model: "tiny-clip", listing: listing(), roomNeed: null })).toEqual({
      kind: "none",
    });
  });

  it("an unknown name is an error naming it, not a download", () => {
    const state = modelPanelState({ model: "ViT-B/33", listing: listing(), roomNeed: null });
    expect(state).toMatchObject({ kind: "unknown", message: "unknown model 'ViT-B/33'" });
    expect(state.kind === "unknown" && state.known).toContain(DEFAULT);
  });

  it("a download in progress elsewhere shows in the listing's need", () => {
    const state = modelPanelState({
      model: DEFAULT,
      listing: listing([], [download(DEFAULT, "downloading")]),
      roomNeed: null,
    });
    expect(state.kind === "need" && state.need.download?.status).toBe("downloading");
  });

  it("the room's wait wins: a pressed Start whatever the text says, a download of the same model", () => {
    const started = roomNeed(DEFAULT, true);
    expect(modelPanelState({ model: "tiny-clip", listing: listing(), roomNeed: started })).toEqual({
      kind: "need",
      need: started,
    });
    const pulling = roomNeed(DEFAULT, false);
    expect(modelPanelState({ model: "ViT-B/32", listing: listing(), roomNeed: pulling })).toEqual({
      kind: "need",
      need: pulling,
    });
    // The text moved on to another model: the old download no longer speaks for it.
    const other = modelPanelState({ model: "ViT-B/16", listing: listing(), roomNeed: pulling });
    expect(other.kind === "need" && other.need.model).toBe("openai/clip-vit-base-patch16");
    expect(modelPanelState({ model: "tiny-clip", listing: listing(), roomNeed: pulling })).toEqual({
      kind: "none",
    });
  });

  it("while a run is on, only the room's wait shows (the text's model is for the next Start)", () => {
    expect(
      modelPanelState({ model: DEFAULT, listing: listing(), roomNeed: null, runActive: true }),
    ).toEqual({ kind: "none" });
    const pulling = roomNeed(DEFAULT, false);
    expect(
      modelPanelState({ model: DEFAULT, listing: listing(), roomNeed: pulling, runActive: true }),
    ).toEqual({ kind: "need", need: pulling });
  });

  it("before the listing arrives (or without a parse) only the room's wait shows", () => {
    expect(modelPanelState({ model: DEFAULT, listing: null, roomNeed: null })).toEqual({
      kind: "none",
    });
    const pulling = roomNeed(DEFAULT, false);
    expect(modelPanelState({ model: null, listing: listing(), roomNeed: pulling })).toEqual({
      kind: "need",
      need: pulling,
    });
  });
});
