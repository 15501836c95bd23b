import { caller } from "@/server/data/caller";
import { snapshotImageFile } from "@/server/data/renders";
import { checkId } from "@/server/data/validate";
import { sendImage } from "@/app/_lib/send-file";

export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  const id = checkId((await params).id);
  if (!id.ok) return new Response(id.message, { status: 400 });
  return sendImage(await snapshotImageFile(await caller(), id.value), null);
}
