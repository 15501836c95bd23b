"use client";
/**
 * What CLIP sees: one target's batch of transformed views of the current picture (the latest
 * run's, else the init), rendered by the server from the experiment's current text. For tuning
 * transforms: pick a target, a moment of the training and a seed, press Render (Alt-V).
 */
import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";

interface Props {
  experimentId: string;
  /** Target names from the parsed text (null while it does not parse). */
  targets: string[] | null;
}

interface ViewsError {
  message: string;
  details: string[];
}

interface ErrorBody {
  error?: {
    message?: string;
    diagnostics?: { line?: number; column?: number; message?: string }[];
  };
}

async function errorOf(res: Response): Promise<ViewsError> {
  const body = (await res.json().catch(() => null)) as ErrorBody | null;
  const details = (body?.error?.diagnostics ?? [])
    .slice(0, 5)
    .map((d) => `${d.line ?? "?"}:${d.column ?? "?"} ${d.message ?? ""}`);
  return { message: body?.error?.message ?? `The server answered ${res.status}`, details };
}

export function ViewsPanel({ experimentId, targets }: Props) {
  const [target, setTarget] = useState(0);
  const [at, setAt] = useState(0);
  const [seed, setSeed] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ViewsError | null>(null);
  const [image, setImage] = useState<{ url: string; label: string } | null>(null);
  const request = useRef<AbortController | null>(null);

  const count = targets?.length ?? Math.max(target + 1, 1);
  const options = targets ?? Array.from({ length: count }, () => "");
  // The text may lose a target while one past the end is picked.
  const chosen = Math.max(0, Math.min(target, count - 1));

  const render = useCallback(async () => {
    request.current?.abort();
    const controller = new AbortController();
    request.current = controller;
    setBusy(true);
    setError(null);
    const query = new URLSearchParams({
      target: String(chosen),
      at: String(at),
      seed: String(seed),
    });
    try {
      const res = await fetch(`/api/experiments/${experimentId}/views?${query}`, {
        signal: controller.signal,
        cache: "no-store",
      });
      if (!res.ok) return setError(await errorOf(res));
      const url = URL.createObjectURL(await res.blob());
      setImage((old) => {
        if (old) URL.revokeObjectURL(old.url);
        return { url, label: `target ${chosen} at t=${at.toFixed(2)}, seed ${seed}` };
      });
    } catch (e) {
      if (!controller.signal.aborted)
        setError({ message: e instanceof Error ? e.message : "The request failed", details: [] });
    } finally {
      if (request.current === controller) {
        request.current = null;
        setBusy(false);
      }
    }
  }, [experimentId, chosen, at, seed]);

  const latest = useRef(render);
  latest.current = render;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey || e.code !== "KeyV") return;
      e.preventDefault();
      e.stopPropagation();
      void latest.current();
    };
    window.addEventListener("keydown", onKey, true);
    return () => window.removeEventListener("keydown", onKey, true);
  }, []);

  // The last image's object URL goes when the panel does.
  const shown = useRef(image);
  shown.current = image;
  useEffect(
    () => () => {
      request.current?.abort();
      if (shown.current) URL.revokeObjectURL(shown.current.url);
    },
    [],
  );

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void render();
  };

  return (
    <div className="space-y-3 text-sm" data-testid="views">
      <form onSubmit={submit} className="flex flex-wrap items-end gap-3">
        <label className="flex flex-col gap-1 text-xs text-zinc-400">
          Target
          <select
            value={chosen}
            onChange={(e) => setTarget(Number(e.target.value))}
            className="input py-1"
            data-testid="views-target"
          >
            {options.map((name, i) => (
              <option key={i} value={i}>
                {name ? `${i}: ${name}` : String(i)}
              </option>
            ))}
          </select>
        </label>
        <label className="flex min-w-40 flex-1 flex-col gap-1 text-xs text-zinc-400">
          <span>
            Time <span className="text-zinc-200 tabular-nums">{at.toFixed(2)}</span>
          </span>
          <input
            type="range"
            min={0}
            max={1}
            step={0.01}
            value={at}
            onChange={(e) => setAt(Number(e.target.value))}
            className="accent-fuchsia-500"
            data-testid="views-at"
          />
        </label>
        <label className="flex flex-col gap-1 text-xs text-zinc-400">
          Seed
          <input
            type="number"
            step={1}
            value={seed}
            onChange={(e) => setSeed(Math.trunc(Number(e.target.value)) || 0)}
            className="input w-24 py-1 tabular-nums"
            data-testid="views-seed"
          />
        </label>
        <button
          className="btn btn-primary"
          disabled={busy}
          title="Render the views (Alt-V)"
          aria-keyshortcuts="Alt+V"
          data-testid="views-render"
        >
          {busy ? "Rendering…" : "Render"} <span className="kbd">Alt-V</span>
        </button>
      </form>
      {targets === null && (
        <p className="text-xs text-zinc-500">
          The text does not parse here; targets are shown by index.
        </p>
      )}
      {error && (
        <div
          role="alert"
          className="rounded-md border border-red-900 bg-red-950/60 px-3 py-2 text-xs text-red-200"
          data-testid="views-error"
        >
          <p>{error.message}</p>
          {error.details.length > 0 && (
            <ul className="mt-1 list-inside list-disc font-mono text-[11px] text-red-300">
              {error.details.map((d, i) => (
                <li key={i}>{d}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      {image ? (
        <figure className={`space-y-1 ${busy ? "opacity-60" : ""}`} aria-busy={busy}>
          <img
            src={image.url}
            alt={`What CLIP sees: ${image.label}`}
            className="checker max-h-[32rem] w-full rounded border border-zinc-800 object-contain [image-rendering:pixelated]"
            data-testid="views-image"
          />
          <figcaption className="text-[11px] text-zinc-500">{image.label}</figcaption>
        </figure>
      ) : (
        <p className="text-xs text-zinc-500">
          {busy
            ? "Rendering the views…"
            : "Render to see the batch of transformed views CLIP gets for this target."}
        </p>
      )}
    </div>
  );
}
