import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { caller } from "@/server/data/caller";
import { getRender } from "@/server/data/renders";
import { checkId } from "@/server/data/validate";
import { LineChart } from "@/app/_components/charts/line-chart";
import { formatDuration, timeAgo } from "@/app/_components/format";
import { ForkIcon } from "@/app/_components/icons";
import { SnapshotViewer } from "@/app/_components/render/snapshot-viewer";
import { TinyClipNotice } from "@/app/_components/tiny-clip-notice";
import { forkRunAction } from "./actions";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ runId: string }> };

async function load({ params }: Params) {
  const id = checkId((await params).runId);
  const render = id.ok ? await getRender(await caller(), id.value) : null;
  if (!render) notFound();
  return render;
}

export async function generateMetadata(props: Params): Promise<Metadata> {
  return { title: (await load(props)).title };
}

export default async function RenderPage(props: Params) {
  const r = await load(props);
  const facts: [string, string][] = [
    ["status", r.status],
    ["epochs", r.status === "done" ? String(r.epochs) : `${r.epoch} / ${r.epochs}`],
    ["resolution", r.width ? `${r.width}×${r.height}` : "–"],
    ["runtime", formatDuration(r.runtimeMs)],
    ["device", r.device || "–"],
    ["seed", String(r.seed)],
  ];
  return (
    <article className="mx-auto grid max-w-7xl gap-6 px-5 py-6 lg:grid-cols-[minmax(0,1fr)_minmax(0,1fr)]">
      <div className="space-y-4">
        <SnapshotViewer title={r.title} finalUrl={r.imageUrl} snapshots={r.snapshots} />
        <div className="flex flex-wrap gap-2">
          <form action={forkRunAction}>
            <input type="hidden" name="runId" value={r.runId} />
            <button className="btn btn-primary" data-testid="fork-render">
              <ForkIcon /> Fork
            </button>
          </form>
          {r.imageUrl && (
            <a
              className="btn"
              href={`${r.imageUrl}?download=1`}
              download
              data-testid="download-png"
            >
              ↓ PNG
            </a>
          )}
          <a
            className="btn"
            href={`/api/runs/${r.runId}/yaml`}
            download
            data-testid="download-yaml"
          >
            ↓ YAML
          </a>
          <Link className="btn btn-ghost" href={`/e/${r.experiment.id}`}>
            Open experiment →
          </Link>
        </div>
      </div>

      <div className="space-y-5">
        <header>
          <h1 className="text-2xl font-semibold" data-testid="render-heading">
            {r.title}
          </h1>
          <p className="text-sm text-zinc-400">
            by {r.author ?? "anonymous"} · {timeAgo(r.finishedAt ?? r.queuedAt)} ·{" "}
            <span className={r.model === "tiny-clip" ? "text-amber-300" : ""}>{r.model}</span>
          </p>
          {r.prompts && <p className="mt-2 text-zinc-300">“{r.prompts}”</p>}
        </header>
        {r.model === "tiny-clip" && <TinyClipNotice />}
        {r.error && (
          <p className="rounded-md border border-red-900 bg-red-950/50 p-3 text-sm text-red-300">
            {r.error}
          </p>
        )}

        <dl className="grid grid-cols-3 gap-2 text-sm">
          {facts.map(([k, v]) => (
            <div key={k} className="panel px-3 py-2">
              <dt className="text-[11px] tracking-wide text-zinc-500 uppercase">{k}</dt>
              <dd className="tabular-nums">{v}</dd>
            </div>
          ))}
        </dl>

        <section className="panel p-3 text-sm" aria-label="Lineage" data-testid="lineage">
          <h2 className="mb-2 text-xs font-medium tracking-wide text-zinc-400 uppercase">
            Lineage
          </h2>
          <p>
            {r.forkedFrom ? (
              <>
                Forked from{" "}
                <Link
                  href={`/e/${r.forkedFrom.id}`}
                  className="text-fuchsia-400 hover:underline"
                  data-testid="forked-from"
                >
                  {r.forkedFrom.title}
                </Link>
              </>
            ) : (
              <span className="text-zinc-400">An original.</span>
            )}
          </p>
          {r.forks.length > 0 && (
            <div className="mt-2">
              <span className="text-zinc-400">
                {r.forks.length} {r.forks.length === 1 ? "fork" : "forks"}:
              </span>
              <ul className="mt-1 flex flex-wrap gap-1.5">
                {r.forks.map((f) => (
                  <li key={f.id}>
                    <Link
                      href={`/e/${f.id}`}
                      className="rounded bg-zinc-800 px-2 py-0.5 text-xs hover:bg-zinc-700"
                    >
                      {f.title} <span className="text-zinc-500">· {f.owner ?? "anonymous"}</span>
                    </Link>
                  </li>
                ))}
              </ul>
            </div>
          )}
        </section>

        <div className="grid gap-3 xl:grid-cols-2">
          <LineChart
            title="Loss"
            x={r.series.epochs}
            series={[{ label: "loss", values: r.series.loss }]}
            testId="chart-loss"
          />
          <LineChart
            title="Similarity per feature"
            x={r.series.epochs}
            series={r.series.features.map((f) => ({ label: f.label, values: f.values }))}
            testId="chart-similarity"
          />
        </div>

        <section>
          <h2 className="mb-2 text-xs font-medium tracking-wide text-zinc-400 uppercase">
            Experiment
          </h2>
          <pre
            className="panel max-h-[28rem] overflow-auto p-3 font-mono text-[13px] leading-relaxed text-zinc-200"
            data-testid="render-yaml"
          >
            {r.yaml}
          </pre>
        </section>
      </div>
    </article>
  );
}
