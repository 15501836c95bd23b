import Link from "next/link";
import type { RenderCard } from "@/server/data/gallery";
import { timeAgo } from "../format";
import { ForkIcon } from "../icons";

export function RenderCardView({ card }: { card: RenderCard }) {
  return (
    <li
      className="group overflow-hidden rounded-lg border border-zinc-800 bg-zinc-900/60 transition-colors hover:border-zinc-600"
      data-testid="render-card"
    >
      <Link href={`/r/${card.runId}`} className="block">
        <div className="checker aspect-square overflow-hidden">
          {card.imageUrl ? (
            <img
              src={card.imageUrl}
              alt={card.title}
              loading="lazy"
              className="h-full w-full object-cover [image-rendering:pixelated] transition-transform group-hover:scale-[1.03]"
            />
          ) : (
            <div className="grid h-full place-items-center text-xs text-zinc-500">no image</div>
          )}
        </div>
        <div className="space-y-1 p-3">
          <div className="truncate font-medium" data-testid="render-title">
            {card.title}
          </div>
          {card.prompts && <div className="line-clamp-2 text-xs text-zinc-400">{card.prompts}</div>}
          <div className="flex flex-wrap items-center gap-x-2 text-[11px] text-zinc-500">
            <span>{card.author ?? "anonymous"}</span>
            <span>·</span>
            <time dateTime={card.finishedAt ?? undefined}>{timeAgo(card.finishedAt)}</time>
          </div>
          <div className="flex flex-wrap items-center gap-1.5 text-[11px] text-zinc-400">
            <span className="rounded bg-zinc-800 px-1.5 py-0.5 tabular-nums">
              {card.epochs} epochs
            </span>
            <span
              className={`rounded px-1.5 py-0.5 ${card.model === "tiny-clip" ? "bg-amber-900/50 text-amber-300" : "bg-zinc-800"}`}
            >
              {card.model}
            </span>
            {card.forks > 0 && (
              <span
                className="inline-flex items-center gap-1 rounded bg-zinc-800 px-1.5 py-0.5 tabular-nums"
                title="forks"
              >
                <ForkIcon /> {card.forks}
              </span>
            )}
          </div>
        </div>
      </Link>
    </li>
  );
}
