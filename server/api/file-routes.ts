/**
 * Downloads of renders: a run's final image (`?download` names the file after its title), the YAML
 * it was made with, a snapshot's image. Paths come from rows the data layer found for a caller
 * allowed to see the experiment, and must lie inside the data folder (`dataFile`); anything else
 * is 404, as is everything private to someone else.
 */
import { readFile } from "node:fs/promises";
import { fileName } from "../../lib/experiment/file-name";
import { runImageFile, runYaml, snapshotImageFile } from "../data/renders";
import { problem, type Reply } from "./http";
import type { Route } from "./router";

const ID = "[A-Za-z0-9_-]{1,64}";

async function png(file: string | null, download: string | null): Promise<Reply> {
  if (!file?.endsWith(".png")) return problem(404, "not_found", "Not found");
  const body = await readFile(file).catch(() => null);
  if (!body) return problem(404, "not_found", "Not found");
  const headers: Record<string, string> = {
    "content-type": "image/png",
    "cache-control": "private, max-age=3600",
  };
  if (download) headers["content-disposition"] = `attachment; filename="${download}"`;
  return { status: 200, body, headers };
}

export function fileRoutes(): Route[] {
  return [
    {
      method: "GET",
      path: new RegExp(`^/api/runs/(?<id>${ID})/image$`),
      async handle({ me, params, query }) {
        const download = query.has("download")
          ? fileName((await runYaml(me, params.id))?.title ?? "render", "png")
          : null;
        return png(await runImageFile(me, params.id), download);
      },
    },
    {
      method: "GET",
      path: new RegExp(`^/api/runs/(?<id>${ID})/yaml$`),
      async handle({ me, params }) {
        const run = await runYaml(me, params.id);
        if (!run) return problem(404, "not_found", "Not found");
        return {
          status: 200,
          body: run.yaml,
          headers: {
            "content-type": "application/yaml; charset=utf-8",
            "content-disposition": `attachment; filename="${fileName(run.title, "yaml")}"`,
          },
        };
      },
    },
    {
      method: "GET",
      path: new RegExp(`^/api/snapshots/(?<id>${ID})/image$`),
      handle: async ({ me, params }) => png(await snapshotImageFile(me, params.id), null),
    },
  ];
}
