"use client";
/** A render's image with its snapshot timeline: click a frame or scrub with ←/→ to see how it grew. */
import { useState, type KeyboardEvent } from "react";
import type { SnapshotDto } from "@/server/data/experiments";

export function SnapshotViewer({
  title,
  finalUrl,
  snapshots,
}: {
  title: string;
  finalUrl: string | null;
  snapshots: SnapshotDto[];
}) {
  const frames = [
    ...snapshots.map((s) => ({ key: s.id, url: s.url, label: `epoch ${s.epoch}` })),
    ...(finalUrl ? [{ key: "final", url: finalUrl, label: "final" }] : []),
  ];
  const [index, setIndex] = useState(frames.length - 1);
  const current = frames[index];
  const onKey = (e: KeyboardEvent) => {
    if (e.key === "ArrowLeft") setIndex((i) => Math.max(0, i - 1));
    else if (e.key === "ArrowRight") setIndex((i) => Math.min(frames.length - 1, i + 1));
    else return;
    e.preventDefault();
  };
  return (
    <div className="space-y-3">
      <div className="checker overflow-hidden rounded-lg border border-zinc-800">
        {current ? (
          <img
            src={current.url}
            alt={`${title}, ${current.label}`}
            className="mx-auto w-full [image-rendering:pixelated]"
            data-testid="render-image"
          />
        ) : (
          <div className="grid aspect-square place-items-center text-sm text-zinc-500">
            no image
          </div>
        )}
      </div>
      {frames.length > 1 && (
        <div className="space-y-1" onKeyDown={onKey}>
          <input
            type="range"
            min={0}
            max={frames.length - 1}
            value={index}
            onChange={(e) => setIndex(Number(e.target.value))}
            className="w-full accent-fuchsia-500"
            aria-label="Snapshot timeline"
          />
          <ol className="flex gap-1.5 overflow-x-auto pb-1" data-testid="snapshot-timeline">
            {frames.map((f, i) => (
              <li key={f.key}>
                <button
                  onClick={() => setIndex(i)}
                  className={`block w-16 shrink-0 overflow-hidden rounded border ${i === index ? "border-fuchsia-500" : "border-zinc-800 hover:border-zinc-600"}`}
                  title={f.label}
                >
                  <img
                    src={f.url}
                    alt={f.label}
                    className="aspect-square w-full object-cover [image-rendering:pixelated]"
                    loading="lazy"
                  />
                  <span className="block truncate bg-zinc-900 text-center text-[10px] text-zinc-400">
                    {f.label}
                  </span>
                </button>
              </li>
            ))}
          </ol>
        </div>
      )}
    </div>
  );
}
