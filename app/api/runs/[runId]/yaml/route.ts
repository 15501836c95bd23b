import { caller } from "@/server/data/caller";
import { runYaml } from "@/server/data/renders";
import { checkId } from "@/server/data/validate";
import { fileName } from "@/app/_components/format";

/** The text a run was made with, as a YAML download (CLIPig's "save image" writes it beside the PNG). */
export async function GET(_request: Request, { params }: { params: Promise<{ runId: string }> }) {
  const id = checkId((await params).runId);
  if (!id.ok) return new Response(id.message, { status: 400 });
  const run = await runYaml(await caller(), id.value);
  if (!run) return new Response("Not found", { status: 404 });
  return new Response(run.yaml, {
    headers: {
      "content-type": "application/yaml; charset=utf-8",
      "content-disposition": `attachment; filename="${fileName(run.title, "yaml")}"`,
    },
  });
}
