"use client";
/**
 * The live image, drawn from the frame sink: CLIPig's image view with a tiling preview (repeat
 * 1–10, to check seamless textures), a zoom slider (1–500 %), 100 % and fit. Pixels stay crisp
 * when enlarged.
 */
import { useEffect, useRef, useState } from "react";
import type { FrameSink } from "./frame-sink";

export function LiveImage({ sink, placeholder }: { sink: FrameSink; placeholder: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const [repeat, setRepeat] = useState(1);
  const [zoom, setZoom] = useState(100);
  const [fit, setFit] = useState(true);
  const [size, setSize] = useState<[number, number] | null>(null);
  const [boxSize, setBoxSize] = useState<[number, number]>([0, 0]);
  const repeatRef = useRef(repeat);
  repeatRef.current = repeat;

  useEffect(() => {
    const draw = () => {
      const c = canvas.current;
      const frame = sink.current;
      if (!c || !frame) return;
      const { width, height } = frame.bitmap;
      const n = repeatRef.current;
      if (c.width !== width * n || c.height !== height * n) {
        c.width = width * n;
        c.height = height * n;
      }
      const ctx = c.getContext("2d")!;
      for (let y = 0; y < n; y++)
        for (let x = 0; x < n; x++) ctx.drawImage(frame.bitmap, x * width, y * height);
      c.dataset.epoch = String(frame.epoch);
      c.dataset.run = frame.runId;
      c.dataset.frames = String(sink.count);
      setSize((s) => (s && s[0] === width && s[1] === height ? s : [width, height]));
    };
    const off = sink.subscribe(draw);
    draw();
    return off;
  }, [sink, repeat]);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setBoxSize([el.clientWidth, el.clientHeight]));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const natural = size ? size[0] * repeat : 0;
  const naturalHeight = size ? size[1] * repeat : 0;
  // "fit": the largest zoom showing the whole (tiled) image in the view.
  const fitZoom = natural
    ? Math.max(
        1,
        Math.floor(Math.min((boxSize[0] - 16) / natural, (boxSize[1] - 16) / naturalHeight) * 100),
      )
    : 100;
  const shown = fit ? fitZoom : zoom;

  return (
    <div className="flex flex-col gap-2">
      <div
        ref={box}
        className="relative h-[40vh] min-h-56 overflow-auto rounded-lg border border-zinc-800 bg-black"
        data-testid="live-image"
      >
        <div className="grid min-h-full min-w-full place-items-center p-2">
          <canvas
            ref={canvas}
            data-testid="live-canvas"
            className={size ? "[image-rendering:pixelated]" : "hidden"}
            style={
              size
                ? { width: (natural * shown) / 100, height: (naturalHeight * shown) / 100 }
                : undefined
            }
          />
          {!size && <p className="p-8 text-center text-sm text-zinc-500">{placeholder}</p>}
        </div>
      </div>
      <div className="flex flex-wrap items-center gap-x-4 gap-y-2 text-xs text-zinc-400">
        <label
          className="flex items-center gap-1.5"
          title="Tile the image N×N to check that it repeats seamlessly"
        >
          repeat
          <input
            type="number"
            min={1}
            max={10}
            value={repeat}
            onChange={(e) =>
              setRepeat(Math.min(10, Math.max(1, Math.round(Number(e.target.value) || 1))))
            }
            className="input w-14 px-2 py-0.5 text-xs"
            aria-label="Repeat"
          />
        </label>
        <label className="flex flex-1 items-center gap-2">
          zoom
          <input
            type="range"
            min={1}
            max={Math.max(500, fitZoom)}
            value={shown}
            onChange={(e) => {
              setFit(false);
              setZoom(Number(e.target.value));
            }}
            className="min-w-24 flex-1 accent-fuchsia-500"
            aria-label="Zoom"
          />
          <span className="w-10 text-right tabular-nums">{shown}%</span>
        </label>
        <button
          className="btn px-2 py-0.5 text-xs"
          onClick={() => {
            setFit(false);
            setZoom(100);
          }}
        >
          100%
        </button>
        <button
          className={`btn px-2 py-0.5 text-xs ${fit ? "border-fuchsia-500" : ""}`}
          onClick={() => setFit(true)}
        >
          fit
        </button>
        {size && (
          <span className="tabular-nums text-zinc-500">
            {size[0]}×{size[1]}
          </span>
        )}
      </div>
    </div>
  );
}

/** The sink's current frame as a PNG blob (one tile, full resolution). */
export async function currentPng(sink: FrameSink): Promise<Blob | null> {
  const frame = sink.current;
  if (!frame) return null;
  const c = document.createElement("canvas");
  c.width = frame.bitmap.width;
  c.height = frame.bitmap.height;
  c.getContext("2d")!.drawImage(frame.bitmap, 0, 0);
  return new Promise((resolve) => c.toBlob(resolve, "image/png"));
}
