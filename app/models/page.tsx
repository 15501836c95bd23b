import type { Metadata } from "next";
import { ModelsPanel } from "./models-panel";

export const metadata: Metadata = { title: "Models" };

/** The server's CLIP models: installed, downloading, known; downloads and removal by who may. */
export default function ModelsPage() {
  return (
    <div className="mx-auto max-w-5xl space-y-4 p-6">
      <h1 className="text-xl font-semibold">Models</h1>
      <p className="text-sm text-zinc-400">
        CLIP checkpoints this server renders with. The studio offers a missing model&apos;s download
        when a run needs it; the command line shares this store (<code>npx clipig models</code>).
      </p>
      <ModelsPanel />
    </div>
  );
}
