import type { RunStats } from "@/server/realtime/protocol";
import { formatNumber } from "../format";

/** CLIPig's per-target statistics, live: one row per feature and constraint. */
export function StatsTable({ stats }: { stats: RunStats | null }) {
  if (!stats)
    return <p className="p-3 text-sm text-zinc-500">Statistics appear with the first epoch.</p>;
  const pct = (v: number) => `${formatNumber(v * 100, 1)}`;
  return (
    <div className="space-y-3 text-xs" data-testid="stats-table" data-epoch={stats.epoch}>
      <dl className="grid grid-cols-3 gap-x-4 gap-y-1 sm:grid-cols-6">
        {(
          [
            ["epoch", `${stats.epoch} / ${stats.epochs}`],
            ["loss", formatNumber(stats.loss)],
            ["learnrate", formatNumber(stats.learnrate * stats.learnrateScale)],
            ["resolution", stats.resolution.join("×")],
            ["device", stats.device],
            [
              "in graph",
              stats.elapsedMs ? `${Math.round((stats.graphMs / stats.elapsedMs) * 100)}%` : "–",
            ],
          ] as const
        ).map(([k, v]) => (
          <div key={k}>
            <dt className="text-[10px] tracking-wide text-zinc-500 uppercase">{k}</dt>
            <dd className="tabular-nums text-zinc-200">{v}</dd>
          </div>
        ))}
      </dl>
      <table className="w-full border-collapse">
        <thead className="text-left text-[10px] tracking-wide text-zinc-500 uppercase">
          <tr className="border-b border-zinc-800">
            <th className="py-1 pr-2 font-medium">target</th>
            <th className="py-1 pr-2 font-medium">feature</th>
            <th className="py-1 pr-2 text-right font-medium">weight</th>
            <th className="py-1 pr-2 text-right font-medium">count</th>
            <th className="py-1 pr-2 text-right font-medium">loss</th>
            <th className="py-1 text-right font-medium">similarity (min–max)</th>
          </tr>
        </thead>
        <tbody className="tabular-nums">
          {stats.features.map((f) => (
            <tr
              key={`f${f.target}-${f.feature}`}
              className="border-b border-zinc-900"
              data-testid="stats-feature"
            >
              <td className="py-1 pr-2 text-zinc-400">{f.targetName}</td>
              <td className="max-w-48 truncate py-1 pr-2" title={f.label}>
                {f.label}
              </td>
              <td className="py-1 pr-2 text-right">{formatNumber(f.weight)}</td>
              <td className="py-1 pr-2 text-right">
                {f.count} <span className="text-zinc-500">({pct(f.countPercent / 100)}%)</span>
              </td>
              <td className="py-1 pr-2 text-right">{formatNumber(f.loss.mean)}</td>
              <td className="py-1 text-right">
                <span className="text-zinc-100">{formatNumber(f.similarity.mean)}</span>{" "}
                <span className="text-zinc-500">
                  ({formatNumber(f.similarity.min)}–{formatNumber(f.similarity.max)})
                </span>
              </td>
            </tr>
          ))}
          {stats.constraints.map((c) => (
            <tr key={`c${c.target}-${c.index}`} className="border-b border-zinc-900">
              <td className="py-1 pr-2 text-zinc-400">
                {stats.features.find((f) => f.target === c.target)?.targetName ?? `#${c.target}`}
              </td>
              <td className="max-w-48 truncate py-1 pr-2 text-zinc-300 italic" title={c.label}>
                {c.label}
              </td>
              <td className="py-1 pr-2 text-right">{formatNumber(c.weight)}</td>
              <td className="py-1 pr-2 text-right text-zinc-600">–</td>
              <td className="py-1 pr-2 text-right">{formatNumber(c.loss.mean)}</td>
              <td className="py-1 text-right text-zinc-600">–</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
