import { caller } from "@/server/data/caller";
import { runImageFile, runYaml } from "@/server/data/renders";
import { checkId } from "@/server/data/validate";
import { fileName } from "@/app/_components/format";
import { sendImage } from "@/app/_lib/send-file";

export async function GET(request: Request, { params }: { params: Promise<{ runId: string }> }) {
  const id = checkId((await params).runId);
  if (!id.ok) return new Response(id.message, { status: 400 });
  const me = await caller();
  const file = await runImageFile(me, id.value);
  const download = new URL(request.url).searchParams.has("download");
  const title = download ? ((await runYaml(me, id.value))?.title ?? "render") : "";
  return sendImage(file, download ? fileName(title, "png") : null);
}
