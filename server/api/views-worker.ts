/**
 * A views render process (started by `views-process.ts`): boots one small CPU runtime, says
 * `ready`, then renders one request at a time — the admitted text's target at a training time, on
 * the stored picture or the init — into the grid PNG. It gets every byte it looks at from the web
 * process and opens no path or URL a user wrote; it exits when the web process goes away.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseExperiment } from "../../lib/experiment";
import { parseClipConfig } from "../engine/clip/config";
import { decodeImage, viewsGridPng } from "../engine/platform/image-io";
import { findModel, installDir, isInstalled } from "../engine/platform/model-store";
import { Runtime } from "../engine/graph";
import { rgbToPlanar } from "../engine/trainer/init";
import { renderViews } from "../engine/trainer/views-preview";
import { lowerPriority } from "../limits/helper-priority";
import { runLimits } from "../limits/trainer-limits";
import type { FromChild, ToChild, ViewsRequest, ViewsResult } from "./views-process";

/** The model input size when the model's config cannot be read cheaply. */
const DEFAULT_SIZE = 224;

const send = (message: FromChild) => {
  if (process.connected) process.send?.(message);
};
process.on("disconnect", () => process.exit(0));

// Below the web process (before onnxruntime starts its threads: they inherit it).
lowerPriority();
// One thread: the web server's cores serve pages too.
// The same limits the trainer enforces, from the same settings (inherited environment).
const limits = runLimits();
const runtime = await Runtime.create({ device: "cpu", threads: 1, maxSessions: 4 });

process.on("message", (message: ToChild) => {
  void render(message.request).then((result) => send({ type: "done", id: message.id, result }));
});
send({ type: "ready" });

async function render(request: ViewsRequest): Promise<ViewsResult> {
  try {
    const parsed = parseExperiment(request.yaml);
    if (!parsed.config)
      throw new Error(`the experiment does not parse: ${parsed.diagnostics[0]?.message ?? "?"}`);
    const config = parsed.config;
    const pixels = request.picture
      ? await decodeImage(request.picture).then(rgbToPlanar, () => undefined)
      : undefined;
    const views = await renderViews(
      config,
      request.target,
      {
        at: request.at,
        seed: request.seed,
        size: await modelSize(config.model),
        precision: "fast",
      },
      {
        runtime,
        pixels,
        limits,
        loadImage: async (src) => {
          const bytes = request.images[src];
          if (!bytes) throw new Error(`image '${src}' was not admitted`);
          return decodeImage(bytes);
        },
      },
    );
    return { ok: true, png: await viewsGridPng(views) };
  } catch (error) {
    // The text passed admission, so what is left is a transform that cannot apply here.
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, code: "views_failed", message: `Could not render the views: ${message}` };
  }
}

const sizes = new Map<string, Promise<number>>();

/** The vision tower's input size of an installed known model (one small JSON read), else 224. */
function modelSize(name: string): Promise<number> {
  const model = findModel(name);
  if (!model || !isInstalled(model)) return Promise.resolve(DEFAULT_SIZE);
  const dir = installDir(model);
  let size = sizes.get(dir);
  if (!size) {
    size = readFile(path.join(dir, "config.json"), "utf8")
      .then((text) => parseClipConfig(JSON.parse(text)).vision.imageSize)
      .catch(() => DEFAULT_SIZE);
    sizes.set(dir, size);
  }
  return size;
}
