"use client";
/**
 * The studio: the shared YAML editor on the left; the run (controls, progress, live image,
 * snapshots, charts, statistics) on the right. Everything live comes from two channels: the Yjs
 * document for the text and the Socket.IO room for the run.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import type { EditorView } from "@codemirror/view";
import type { Diagnostic, ParseResult } from "@/lib/experiment";
import type { RevisionDto, StudioDto } from "@/server/data/experiments";
import {
  forkAction,
  renameAction,
  revisionTextAction,
  saveRevisionAction,
  visibilityAction,
} from "@/app/e/[id]/actions";
import { LineChart } from "../charts/line-chart";
import { YamlEditor } from "../editor/yaml-editor";
import { ErrorBoundary } from "../error-boundary";
import { fileName, timeAgo } from "../format";
import { ForkIcon } from "../icons";
import { TinyClipNotice } from "../tiny-clip-notice";
import { DiagnosticsList } from "./diagnostics-list";
import { currentPng, LiveImage } from "./live-image";
import { Presence } from "./presence";
import { RevisionsPanel } from "./revisions-panel";
import { SharingPanel } from "./sharing-panel";
import { UploadButton } from "./upload-button";
import { ACTIVE, RunControls } from "./run-controls";
import { BrowserRun } from "./browser-run";
import { RunProgress } from "./progress";
import { MissingModelPanel, UnknownModelNote } from "./missing-model";
import { modelPanelState } from "./model-panel-state";
import { StatsTable } from "./stats-table";
import { replaceText, useCollab, type Me } from "./use-collab";
import { ConnectionClosed, useDocumentClose } from "./connection-closed";
import { StudioUpdated } from "./studio-updated";
import { useModelListing } from "./use-model-listing";
import { useRoom, type RunCommand } from "./use-room";
import { ViewsPanel } from "./views-panel";

type Tab = "charts" | "stats" | "views" | "revisions" | "runs";

function download(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob);
  const a = Object.assign(document.createElement("a"), { href: url, download: name });
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function Studio({
  initial,
  me,
  signedIn,
}: {
  initial: StudioDto;
  me: Me;
  signedIn: boolean;
}) {
  const router = useRouter();
  const { collab, status, synced, peers } = useCollab(initial.id, me);
  // Closed for good (e.g. a change past the size limit): say why; nothing more would sync.
  const closed = useDocumentClose(collab?.provider);
  const room = useRoom(initial.id, initial.snapshots);
  const [title, setTitle] = useState(initial.title);
  const [visibility, setVisibility] = useState(initial.visibility);
  const [revisions, setRevisions] = useState(initial.revisions);
  const [parsed, setParsed] = useState<ParseResult | null>(null);
  const [fontSize, setFontSize] = useState(14);
  const [tab, setTab] = useState<Tab>("charts");
  const [notice, setNotice] = useState<{ text: string; tone: "info" | "error" } | null>(null);
  const [sharing, setSharing] = useState(false);
  const view = useRef<EditorView | null>(null);

  const role = room.role ?? initial.role;
  const canEdit = role === "owner" || role === "editor";
  const canRun = canEdit || role === "runner";
  const run = room.run;
  const model = parsed?.config?.model ?? run?.model ?? initial.runs[0]?.model;
  // Whether the server has the live text's model, before anyone presses Start (the editor's parse).
  const liveModel = parsed?.config?.model ?? null;
  const modelListing = useModelListing(liveModel, room.modelNeed);
  const modelPanel = modelPanelState({
    model: liveModel,
    listing: modelListing,
    roomNeed: room.modelNeed,
    runActive: !!run && ACTIVE.has(run.status),
  });

  useEffect(() => {
    if (!notice) return;
    const t = setTimeout(() => setNotice(null), notice.tone === "error" ? 8000 : 4000);
    return () => clearTimeout(t);
  }, [notice]);

  // Show the last render (or its last snapshot) of this experiment; a live run's current frame
  // comes from the room on join instead.
  useEffect(() => {
    const last = initial.runs[0];
    const snap = initial.snapshots.at(-1);
    if (!last || ACTIVE.has(last.status)) return;
    if (last.imageUrl) void room.sink.showUrl(last.imageUrl, last.id, last.epochs).catch(() => {});
    else if (snap) void room.sink.showUrl(snap.url, snap.runId, snap.epoch).catch(() => {});
  }, [initial.runs, initial.snapshots, room.sink]);

  const onParsed = useCallback((result: ParseResult) => setParsed(result), []);

  const onCommand = useCallback(
    async (command: RunCommand) => {
      const ok = await room.command(command);
      if (ok && command === "run:update")
        setNotice({ text: "Updated: the run continues with the edited experiment", tone: "info" });
    },
    [room],
  );

  const jump = (d: Diagnostic) => {
    const v = view.current;
    if (!v) return;
    const pos = Math.min(d.from, v.state.doc.length);
    v.dispatch({
      selection: { anchor: pos, head: Math.min(Math.max(d.to, pos), v.state.doc.length) },
      scrollIntoView: true,
    });
    v.focus();
  };

  const saveRevision = async (name: string) => {
    if (!collab) return "Not connected yet";
    const res = await saveRevisionAction(initial.id, name, collab.ytext.toString());
    if (!res.ok) return res.message;
    setRevisions((r) => [res.revision, ...r]);
    setNotice({ text: `Saved “${res.revision.name}”`, tone: "info" });
    return null;
  };

  const restore = async (revision: RevisionDto) => {
    if (!collab) return;
    const res = await revisionTextAction(revision.id);
    if (!res.ok) return setNotice({ text: res.message, tone: "error" });
    replaceText(collab.ytext, res.yaml);
    setNotice({ text: `Restored “${res.name}” for everyone. Ctrl-Z undoes it.`, tone: "info" });
  };

  const fork = async () => {
    const res = await forkAction(initial.id, collab?.ytext.toString() ?? initial.yaml);
    if (!res.ok) return setNotice({ text: res.message, tone: "error" });
    router.push(`/e/${res.id}`);
  };

  const rename = async (next: string) => {
    if (next.trim() === initial.title.trim() && next === title) return;
    const res = await renameAction(initial.id, next);
    if (!res.ok) {
      setTitle(initial.title);
      setNotice({ text: res.message, tone: "error" });
    } else setTitle(res.title);
  };

  const changeVisibility = async (next: string) => {
    const res = await visibilityAction(initial.id, next);
    if (res.ok) setVisibility(next);
    else setNotice({ text: res.message, tone: "error" });
  };

  const downloadPng = async () => {
    const png = await currentPng(room.sink);
    if (png) download(png, fileName(title, "png"));
    else setNotice({ text: "No image yet", tone: "error" });
  };

  const downloadYaml = () => {
    // CLIPig saves the parameters of the run that made the image, not the possibly edited text.
    const runId = room.sink.current?.runId;
    if (runId) window.location.href = `/api/runs/${runId}/yaml`;
    else
      download(
        new Blob([collab?.ytext.toString() ?? initial.yaml], { type: "application/yaml" }),
        fileName(title, "yaml"),
      );
  };

  const labels = useMemo(
    () =>
      room.stats?.features.map((f) =>
        f.targetName && f.targetName !== "target" ? `${f.targetName}: ${f.label}` : f.label,
      ) ?? [],
    [room.stats],
  );
  const epochsX = useMemo(() => room.history.map((h) => h.epoch), [room.history]);
  const lossSeries = useMemo(
    () => [{ label: "loss", values: room.history.map((h) => h.loss) }],
    [room.history],
  );
  const simSeries = useMemo(() => {
    const n = Math.max(0, ...room.history.map((h) => h.similarities.length));
    return Array.from({ length: n }, (_, i) => ({
      label: labels[i] ?? `feature ${i + 1}`,
      values: room.history.map((h) => h.similarities[i] ?? null),
    }));
  }, [room.history, labels]);

  const errors = parsed?.diagnostics.filter((d) => d.severity === "error").length ?? 0;
  const runSnapshots = room.snapshots.filter(
    (s) => !run || s.runId === run.runId || !ACTIVE.has(run.status),
  );

  return (
    <div className="relative flex h-[calc(100vh-53px)] flex-col">
      <div className="flex flex-wrap items-center gap-3 border-b border-zinc-800 px-4 py-2">
        <input
          value={title}
          onChange={(e) => setTitle(e.target.value)}
          onBlur={(e) => void rename(e.target.value)}
          onKeyDown={(e) => e.key === "Enter" && (e.target as HTMLInputElement).blur()}
          readOnly={!canEdit}
          maxLength={120}
          aria-label="Title"
          data-testid="studio-title"
          className="min-w-48 flex-1 truncate rounded bg-transparent px-1 text-lg font-semibold outline-none focus:bg-zinc-900"
        />
        {initial.forkedFrom && (
          <Link
            href={`/e/${initial.forkedFrom.id}`}
            className="text-xs text-zinc-400 hover:text-zinc-100"
            data-testid="forked-from"
          >
            <ForkIcon /> forked from{" "}
            <span className="text-fuchsia-400">{initial.forkedFrom.title}</span>
          </Link>
        )}
        {role === "owner" ? (
          <select
            value={visibility}
            onChange={(e) => void changeVisibility(e.target.value)}
            className="input py-1 text-xs"
            aria-label="Visibility"
          >
            <option value="public">public</option>
            <option value="unlisted">unlisted</option>
            <option value="private">private</option>
          </select>
        ) : (
          <span className="rounded bg-zinc-800 px-2 py-0.5 text-xs text-zinc-400">
            {visibility} · {role}
          </span>
        )}
        <ErrorBoundary label="Presence">
          <Presence peers={peers} status={status} />
        </ErrorBoundary>
        <div className="flex gap-1.5">
          {role === "owner" && (
            <button
              className="btn"
              onClick={() => setSharing((v) => !v)}
              data-testid="share"
              aria-expanded={sharing}
            >
              Share
            </button>
          )}
          {canEdit && <UploadButton onDone={(text, tone) => setNotice({ text, tone })} />}
          {signedIn ? (
            <button
              className="btn"
              onClick={() => void fork()}
              data-testid="fork"
              title="Copy this experiment into a new one of yours"
            >
              <ForkIcon /> Fork
            </button>
          ) : (
            <Link
              className="btn"
              href={`/signin?next=${encodeURIComponent(`/e/${initial.id}`)}`}
              data-testid="fork"
              title="Sign in to fork this experiment"
            >
              <ForkIcon /> Fork
            </Link>
          )}
          <button className="btn" onClick={() => void downloadPng()} data-testid="download-png">
            ↓ PNG
          </button>
          <button className="btn" onClick={downloadYaml} data-testid="download-yaml">
            ↓ YAML
          </button>
        </div>
      </div>

      {sharing && role === "owner" && (
        <div className="absolute top-24 right-4 z-40 w-[28rem] max-w-[calc(100vw-2rem)] shadow-2xl">
          <SharingPanel experimentId={initial.id} onClose={() => setSharing(false)} />
        </div>
      )}
      {!canEdit && (
        <p
          className="border-b border-zinc-800 bg-zinc-900/60 px-4 py-1 text-xs text-zinc-400"
          data-testid="read-only-note"
        >
          View only{role === "runner" ? ": you may start and stop runs" : ""}.{" "}
          {!signedIn && (
            <Link
              href={`/signin?next=${encodeURIComponent(`/e/${initial.id}`)}`}
              className="text-fuchsia-400 hover:underline"
            >
              Sign in
            </Link>
          )}
          {!signedIn
            ? " to make your own copy, or ask the owner for access."
            : " Fork it to make your own copy, or ask the owner for access."}
        </p>
      )}
      {room.outdated && <StudioUpdated />}
      <div className="grid min-h-0 flex-1 grid-cols-1 lg:grid-cols-[minmax(0,5fr)_minmax(0,6fr)]">
        <section
          className="flex min-h-[50vh] flex-col border-r border-zinc-800"
          aria-label="Editor"
        >
          {closed && <ConnectionClosed close={closed} />}
          <div className="min-h-0 flex-1" data-synced={synced}>
            {collab ? (
              <ErrorBoundary label="The editor" className="p-4">
                <YamlEditor
                  ytext={collab.ytext}
                  awareness={collab.provider.awareness}
                  undoManager={collab.undoManager}
                  readOnly={!canEdit || closed !== null}
                  fontSize={fontSize}
                  onFontSize={setFontSize}
                  onParsed={onParsed}
                  onView={(v) => (view.current = v)}
                />
              </ErrorBoundary>
            ) : (
              <div className="p-4 text-sm text-zinc-500">Connecting…</div>
            )}
          </div>
          <DiagnosticsList
            diagnostics={parsed?.diagnostics ?? []}
            parsed={!!parsed}
            onJump={jump}
          />
          <p className="border-t border-zinc-900 px-3 py-1 text-[11px] text-zinc-500">
            <span className="kbd">Ctrl-Space</span> complete · hover a key for docs ·{" "}
            <span className="kbd">Ctrl-Z</span> undoes your own edits ·{" "}
            <span className="kbd">Ctrl-+/−</span> font
          </p>
        </section>

        <section className="min-h-0 space-y-3 overflow-y-auto p-4" aria-label="Run">
          <RunControls
            run={run}
            canRun={canRun}
            connected={room.connected}
            hasErrors={errors > 0}
            onCommand={(c) => void onCommand(c)}
          />
          <BrowserRun
            yaml={() => collab?.ytext.toString() ?? initial.yaml}
            model={model ?? "tiny-clip"}
            canRun={canRun && errors === 0}
          />
          <RunProgress run={run} stats={room.stats} />
          {modelPanel.kind === "need" && (
            <MissingModelPanel
              need={modelPanel.need}
              access={room.modelAccess ?? modelListing?.access ?? null}
              canRun={canRun}
              onPull={() => void room.command("model:pull", { model: modelPanel.need.model })}
              onCancel={() => void room.command("model:cancel")}
              onTinyClip={() => void room.command("run:start", { model: "tiny-clip" })}
            />
          )}
          {modelPanel.kind === "unknown" && (
            <UnknownModelNote message={modelPanel.message} known={modelPanel.known} />
          )}
          {(model === "tiny-clip" || run?.model === "tiny-clip") && <TinyClipNotice />}
          {room.problem && (
            <div
              role="alert"
              className="rounded-md border border-red-900 bg-red-950/50 px-3 py-2 text-sm text-red-200"
              data-testid="room-problem"
            >
              <div className="flex justify-between gap-2">
                <span>{room.problem.message}</span>
                <button
                  onClick={room.dismissProblem}
                  className="text-red-300 hover:text-white"
                  aria-label="Dismiss"
                >
                  ×
                </button>
              </div>
              {room.problem.diagnostics?.map((d, i) => (
                <div key={i} className="font-mono text-xs">
                  {d.path} (line {d.line}, col {d.column}): {d.message}
                </div>
              ))}
            </div>
          )}
          <LiveImage
            sink={room.sink}
            placeholder={
              canRun ? "Press Start (Alt-S) and watch the image emerge." : "Nothing rendered yet."
            }
          />
          {runSnapshots.length > 0 && (
            <ol
              className="flex gap-1.5 overflow-x-auto pb-1"
              aria-label="Snapshots"
              data-testid="snapshots"
            >
              {runSnapshots.map((s) => (
                <li key={s.id} className="shrink-0">
                  <a
                    href={s.url}
                    target="_blank"
                    rel="noreferrer"
                    className="block w-14 overflow-hidden rounded border border-zinc-800 hover:border-zinc-500"
                    title={`epoch ${s.epoch}`}
                  >
                    <img
                      src={s.url}
                      alt={`snapshot at epoch ${s.epoch}`}
                      className="aspect-square w-full object-cover [image-rendering:pixelated]"
                      loading="lazy"
                    />
                    <span className="block bg-zinc-900 text-center text-[10px] text-zinc-400 tabular-nums">
                      {s.epoch}
                    </span>
                  </a>
                </li>
              ))}
            </ol>
          )}

          <div className="flex gap-1 border-b border-zinc-800 text-sm" role="tablist">
            {(["charts", "stats", "views", "revisions", "runs"] as const).map((t) => (
              <button
                key={t}
                role="tab"
                aria-selected={tab === t}
                onClick={() => setTab(t)}
                className={`-mb-px border-b-2 px-3 py-1.5 capitalize ${tab === t ? "border-fuchsia-500 text-zinc-100" : "border-transparent text-zinc-400 hover:text-zinc-200"}`}
                data-testid={`tab-${t}`}
              >
                {t === "stats" ? "statistics" : t}
              </button>
            ))}
          </div>
          {tab === "charts" && (
            <div
              className="grid gap-3 xl:grid-cols-2"
              data-testid="live-charts"
              data-points={room.history.length}
            >
              <LineChart
                title="Loss"
                x={epochsX}
                series={lossSeries}
                height={130}
                testId="chart-loss"
              />
              <LineChart
                title="Similarity per feature"
                x={epochsX}
                series={simSeries}
                height={130}
                testId="chart-similarity"
              />
            </div>
          )}
          {tab === "stats" && <StatsTable stats={room.stats} />}
          {tab === "views" && (
            <ViewsPanel
              experimentId={initial.id}
              targets={parsed?.config?.targets.map((t) => t.name) ?? null}
            />
          )}
          {tab === "revisions" && (
            <RevisionsPanel
              revisions={revisions}
              canEdit={canEdit}
              onSave={saveRevision}
              onRestore={(r) => void restore(r)}
            />
          )}
          {tab === "runs" && (
            <ul className="divide-y divide-zinc-800 text-sm" data-testid="runs">
              {initial.runs.length === 0 && (
                <li className="py-2 text-zinc-500">No earlier runs.</li>
              )}
              {initial.runs.map((r) => (
                <li key={r.id} className="flex items-center justify-between py-1.5">
                  <span>
                    <span className="text-zinc-300">{r.status}</span>{" "}
                    <span className="text-zinc-500 tabular-nums">
                      {r.epoch}/{r.epochs} · {r.model} · {timeAgo(r.finishedAt ?? r.queuedAt)}
                    </span>
                  </span>
                  {r.status === "done" && (
                    <Link href={`/r/${r.id}`} className="text-fuchsia-400 hover:underline">
                      view render →
                    </Link>
                  )}
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>

      {notice && (
        <div
          role="status"
          className={`fixed right-4 bottom-4 z-50 max-w-sm rounded-md border px-4 py-2 text-sm shadow-lg ${notice.tone === "error" ? "border-red-800 bg-red-950 text-red-100" : "border-zinc-700 bg-zinc-900 text-zinc-100"}`}
          data-testid="notice"
        >
          {notice.text}
        </div>
      )}
    </div>
  );
}
