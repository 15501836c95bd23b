"use client";
/**
 * The /models page's live part: the store from GET /api/models (installed models with sizes and
 * disk use, downloads in progress, the known catalogue), refreshed every second while something
 * downloads; Download / Cancel for those the server lets download, Remove and any hub repository
 * id for admins.
 */
import { useCallback, useEffect, useState } from "react";
import { api } from "@/app/_lib/api";
import type { ModelsView } from "@/server/models/routes";
import { formatBytes, formatRate } from "../_components/bytes";
import { formatDuration } from "../_components/format";

const ACTIVE = new Set(["checking", "downloading"]);

export function ModelsPanel() {
  const [view, setView] = useState<ModelsView | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [repo, setRepo] = useState("");

  const load = useCallback(async () => {
    const res = await api<ModelsView>("/api/models", { method: "GET" });
    if (res.ok) setView(res.data);
    else setProblem(res.message);
  }, []);

  const downloading = view?.downloads.some((d) => ACTIVE.has(d.status)) ?? false;
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), downloading ? 1000 : 5000);
    return () => clearInterval(timer);
  }, [load, downloading]);

  const act = async (action: "pull" | "cancel" | "remove", name: string) => {
    if (action === "remove" && !window.confirm(`Remove ${name} from this server?`)) return;
    const res = await api(`/api/models/${action}`, { body: { name } });
    setProblem(res.ok ? null : res.message);
    await load();
  };

  if (!view) return <p className="text-sm text-zinc-500">{problem ?? "Loading…"}</p>;
  const { access } = view;
  const byName = new Map(view.downloads.map((d) => [d.model, d]));
  // Downloads of hub repositories that are not listed yet (they appear once installed).
  const unlisted = view.downloads.filter(
    (d) => d.status !== "done" && !view.models.some((m) => m.name === d.model),
  );

  return (
    <div className="space-y-4" data-testid="models-page">
      <p className="text-sm text-zinc-300" data-testid="models-store">
        {formatBytes(view.store.usedBytes)} used by models, {formatBytes(view.store.freeBytes)} free
        on the disk
        {view.store.dir && (
          <>
            {" "}
            · store <code>{view.store.dir}</code>
          </>
        )}
        {view.store.hub && (
          <>
            {" "}
            · hub <code>{view.store.hub}</code> (CLIPIG_HUB_URL)
          </>
        )}
      </p>
      <p className="text-xs text-zinc-500" data-testid="models-access">
        {access.canDownload
          ? access.admin
            ? "You administer this server's models."
            : "You may download models on this server."
          : `${access.reason}.`}
      </p>
      {problem && (
        <p role="alert" className="text-sm text-red-300" data-testid="models-problem">
          {problem}
        </p>
      )}
      {unlisted.length > 0 && (
        <ul className="space-y-1 text-sm" aria-label="Downloads" data-testid="models-downloads">
          {unlisted.map((d) => (
            <li key={d.model} className="flex flex-wrap items-center gap-3">
              <span className="font-medium text-zinc-100">{d.model}</span>
              {ACTIVE.has(d.status) && (
                <span className="text-xs text-sky-300 tabular-nums">
                  {d.status === "checking"
                    ? "asking the hub…"
                    : `${formatBytes(d.received)} of ${formatBytes(d.total)}`}
                  {d.bytesPerSecond > 0 && <> · {formatRate(d.bytesPerSecond)}</>}
                </span>
              )}
              {d.error && <span className="text-xs text-red-300">{d.error}</span>}
              {access.canDownload && ACTIVE.has(d.status) && (
                <button className="btn" onClick={() => void act("cancel", d.model)}>
                  Cancel
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <table className="w-full text-sm">
        <thead className="text-left text-xs text-zinc-500">
          <tr>
            <th className="py-1 font-normal">model</th>
            <th className="font-normal">status</th>
            <th className="text-right font-normal">size</th>
            <th />
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-800">
          {view.models.map((m) => {
            const d = byName.get(m.name);
            const active = !!d && ACTIVE.has(d.status);
            return (
              <tr key={m.name} data-testid="model-row" data-model={m.name} data-status={m.status}>
                <td className="py-2 pr-3">
                  <div className="font-medium text-zinc-100">
                    {m.name}
                    {m.isDefault && <span className="ml-2 text-xs text-fuchsia-400">default</span>}
                  </div>
                  <div className="text-xs text-zinc-500">
                    {m.description}
                    {m.aliases.length > 0 && <> · {m.aliases.join(", ")}</>}
                    {m.dir && m.status !== "not installed" && <> · {m.dir}</>}
                  </div>
                </td>
                <td className="pr-3 text-xs whitespace-nowrap">
                  {active && d ? (
                    <span className="text-sky-300 tabular-nums" data-testid="model-row-download">
                      {formatBytes(d.received)} of {formatBytes(d.total || m.bytes)}
                      {d.bytesPerSecond > 0 && <> · {formatRate(d.bytesPerSecond)}</>}
                      {d.etaSeconds !== null && <> · {formatDuration(d.etaSeconds * 1000)} left</>}
                    </span>
                  ) : (
                    <span
                      className={
                        m.status === "not installed" ? "text-zinc-500" : "text-emerald-300"
                      }
                    >
                      {m.status}
                      {m.partialBytes > 0 && ` · ${formatBytes(m.partialBytes)} to resume`}
                      {d && (d.status === "failed" || d.status === "cancelled") && (
                        <span className="block whitespace-normal text-red-300">{d.error}</span>
                      )}
                    </span>
                  )}
                </td>
                <td className="pr-3 text-right whitespace-nowrap tabular-nums">
                  {m.status === "not installed" ? "~" : ""}
                  {formatBytes(m.bytes)}
                </td>
                <td className="text-right whitespace-nowrap">
                  {active && access.canDownload && (
                    <button className="btn" onClick={() => void act("cancel", m.name)}>
                      Cancel
                    </button>
                  )}
                  {!active && m.status === "not installed" && access.canDownload && (
                    <button className="btn btn-primary" onClick={() => void act("pull", m.name)}>
                      Download
                    </button>
                  )}
                  {!active && m.status === "installed" && access.admin && (
                    <button className="btn" onClick={() => void act("remove", m.name)}>
                      Remove
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {access.admin && access.canDownload && (
        <form
          className="flex flex-wrap items-center gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            if (repo.trim()) void act("pull", repo.trim()).then(() => setRepo(""));
          }}
        >
          <input
            className="input min-w-72"
            value={repo}
            onChange={(e) => setRepo(e.target.value)}
            placeholder="any hub repository id (owner/name)"
            aria-label="Hub repository id"
            data-testid="models-repo"
          />
          <button className="btn" type="submit">
            Download
          </button>
          <span className="text-xs text-zinc-500">
            a CLIP checkpoint in transformers format (config.json, vocab.json, merges.txt,
            model.safetensors)
          </span>
        </form>
      )}
    </div>
  );
}
