"use client";
/**
 * A small SVG line chart: gridlines with nice ticks, one line per series, a legend that shows the
 * hovered epoch's values. Renders the same on the server and in the studio's live view.
 */
import { useEffect, useId, useMemo, useRef, useState, type MouseEvent } from "react";
import { formatNumber } from "../format";
import { extent, linePath, nearestIndex, niceTicks } from "./scale";

export const PALETTE = [
  "#e879f9",
  "#60a5fa",
  "#34d399",
  "#fbbf24",
  "#f87171",
  "#22d3ee",
  "#a3e635",
  "#c084fc",
];

export interface Series {
  label: string;
  values: (number | null)[];
  color?: string;
}

interface Props {
  title: string;
  x: number[];
  series: Series[];
  height?: number;
  testId?: string;
}

const PAD = { left: 44, right: 10, top: 8, bottom: 20 };

export function LineChart({ title, x, series, height = 160, testId }: Props) {
  const clip = useId();
  const [hover, setHover] = useState<number | null>(null);
  // Draw in the figure's own pixel width, so labels keep their size however wide the chart is.
  const figure = useRef<HTMLElement>(null);
  const [W, setW] = useState(480);
  useEffect(() => {
    const el = figure.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setW(Math.max(200, Math.round(el.clientWidth - 24))));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const geo = useMemo(() => {
    const ys = extent(series.flatMap((s) => s.values));
    const xs = extent(x);
    if (!ys || !xs) return null;
    const yt = niceTicks(ys.min, ys.max, 4);
    const xt = niceTicks(xs.min, Math.max(xs.max, xs.min + 1), 5).filter((t) =>
      Number.isInteger(t),
    );
    const [y0, y1] = [yt[0], yt[yt.length - 1]];
    const [x0, x1] = [xs.min, Math.max(xs.max, xs.min + 1)];
    const sx = (v: number) => PAD.left + ((v - x0) / (x1 - x0)) * (W - PAD.left - PAD.right);
    const sy = (v: number) =>
      height - PAD.bottom - ((v - y0) / (y1 - y0 || 1)) * (height - PAD.top - PAD.bottom);
    return { yt, xt: xt.filter((t) => t >= x0 && t <= x1), sx, sy, x0, x1 };
  }, [x, series, height, W]);

  const onMove = (e: MouseEvent<SVGSVGElement>) => {
    if (!geo) return;
    const box = e.currentTarget.getBoundingClientRect();
    const px = ((e.clientX - box.left) / box.width) * W;
    const epoch = geo.x0 + ((px - PAD.left) / (W - PAD.left - PAD.right)) * (geo.x1 - geo.x0);
    setHover(nearestIndex(x, epoch));
  };
  const at = hover ?? x.length - 1;

  return (
    <figure
      ref={figure}
      className="rounded-lg border border-zinc-800 bg-zinc-900/60 p-3"
      data-testid={testId}
    >
      <figcaption className="mb-1 flex items-baseline justify-between text-xs text-zinc-400">
        <span className="font-medium text-zinc-200">{title}</span>
        {at >= 0 && <span className="tabular-nums">epoch {x[at]}</span>}
      </figcaption>
      {geo ? (
        <svg
          viewBox={`0 0 ${W} ${height}`}
          className="w-full select-none"
          role="img"
          aria-label={title}
          onMouseMove={onMove}
          onMouseLeave={() => setHover(null)}
        >
          <defs>
            <clipPath id={clip}>
              <rect
                x={PAD.left}
                y={PAD.top}
                width={W - PAD.left - PAD.right}
                height={height - PAD.top - PAD.bottom}
              />
            </clipPath>
          </defs>
          {geo.yt.map((t) => (
            <g key={`y${t}`}>
              <line
                x1={PAD.left}
                x2={W - PAD.right}
                y1={geo.sy(t)}
                y2={geo.sy(t)}
                className="stroke-zinc-800"
              />
              <text
                x={PAD.left - 6}
                y={geo.sy(t) + 3}
                textAnchor="end"
                className="fill-zinc-500 text-[10px] tabular-nums"
              >
                {formatNumber(t, 2)}
              </text>
            </g>
          ))}
          {geo.xt.map((t) => (
            <text
              key={`x${t}`}
              x={geo.sx(t)}
              y={height - 5}
              textAnchor="middle"
              className="fill-zinc-500 text-[10px] tabular-nums"
            >
              {t}
            </text>
          ))}
          <g clipPath={`url(#${clip})`}>
            {series.map((s, i) => (
              <path
                key={s.label + i}
                d={linePath(x, s.values, geo.sx, geo.sy)}
                fill="none"
                stroke={s.color ?? PALETTE[i % PALETTE.length]}
                strokeWidth={1.6}
                strokeLinejoin="round"
                vectorEffect="non-scaling-stroke"
              />
            ))}
          </g>
          {hover !== null && (
            <line
              x1={geo.sx(x[hover])}
              x2={geo.sx(x[hover])}
              y1={PAD.top}
              y2={height - PAD.bottom}
              className="stroke-zinc-500"
              strokeDasharray="3 3"
            />
          )}
        </svg>
      ) : (
        <div className="grid place-items-center text-xs text-zinc-500" style={{ height }}>
          no data yet
        </div>
      )}
      <ul className="mt-1 flex flex-wrap gap-x-4 gap-y-1 text-xs">
        {series.map((s, i) => (
          <li key={s.label + i} className="flex items-center gap-1.5 text-zinc-300">
            <span
              className="inline-block h-2 w-2 rounded-full"
              style={{ background: s.color ?? PALETTE[i % PALETTE.length] }}
            />
            <span className="max-w-[16rem] truncate">{s.label}</span>
            <span className="tabular-nums text-zinc-500">
              {at >= 0 ? formatNumber(s.values[at]) : ""}
            </span>
          </li>
        ))}
      </ul>
    </figure>
  );
}
