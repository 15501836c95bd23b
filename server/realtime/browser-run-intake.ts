/**
 * What a browser running a room's run (the engine in the page, `server/engine/web`) may send the
 * server, checked before anything reaches the room: frames as PNG bytes (size cap, the PNG's own
 * header must agree with the declared size, a side cap), statistics rows (closed objects, finite
 * numbers, capped strings and lists), the end of the run and its errors. Epochs only move forward
 * and stay inside the run; frames and statistics are rate-limited per run (token buckets), so a
 * modified page cannot flood the room or the snapshot store. One intake per browser-run.
 */
import {
  bytes,
  int,
  list,
  num,
  obj,
  oneOf,
  payloadGuard,
  rateLimiter,
  str,
  type Checked,
  type RateLimiter,
} from "../limits";

export interface IntakeLimits {
  /** Largest PNG accepted (bytes). */
  maxFrameBytes: number;
  /** Largest width or height of a frame (pixels). */
  maxSide: number;
  frames: { perSecond: number; burst: number };
  stats: { perSecond: number; burst: number };
  /** Features per statistics row. */
  maxFeatures: number;
}

export const DEFAULT_INTAKE_LIMITS: IntakeLimits = {
  maxFrameBytes: 4 << 20,
  maxSide: 2048,
  frames: { perSecond: 10, burst: 10 },
  stats: { perSecond: 30, burst: 30 },
  maxFeatures: 64,
};

const epoch = int({ min: 0, max: 10_000_000 });
const side = int({ min: 1, max: 100_000 });
const stat = num({ min: -1e12, max: 1e12 });

const statsSchema = (maxFeatures: number) =>
  obj({
    epoch,
    epochs: int({ min: 1, max: 10_000_000 }),
    loss: stat,
    learnrate: stat,
    epochsPerSecond: num({ min: 0, max: 1e9 }),
    elapsedMs: num({ min: 0, max: 1e12 }),
    resolution: list(side, { max: 2 }),
    features: list(obj({ label: str({ max: 300 }), similarity: stat, loss: stat }), {
      max: maxFeatures,
    }),
  });

const guards = (l: IntakeLimits) => ({
  "browser:frame": payloadGuard(
    obj({ epoch, width: side, height: side, png: bytes({ max: l.maxFrameBytes }) }),
    { maxBytes: l.maxFrameBytes + 1024, maxDepth: 2 },
  ),
  "browser:stats": payloadGuard(statsSchema(l.maxFeatures), {
    maxBytes: 64 * 1024,
    maxDepth: 4,
  }),
  "browser:done": payloadGuard(
    obj({ status: oneOf("done", "stopped"), epoch, png: bytes({ max: l.maxFrameBytes }) }),
    { maxBytes: l.maxFrameBytes + 1024, maxDepth: 2 },
  ),
  "browser:error": payloadGuard(obj({ message: str({ max: 2000, min: 1 }) }), {
    maxBytes: 8 * 1024,
    maxDepth: 2,
  }),
});

export type BrowserEventName = keyof ReturnType<typeof guards>;
type Payload<E extends BrowserEventName> = Extract<
  ReturnType<ReturnType<typeof guards>[E]>,
  { ok: true }
>["value"];

/** A checked report, ready for the run's trainer-host adapter. */
export type BrowserReport =
  | ({ kind: "frame" } & Payload<"browser:frame">)
  | ({ kind: "stats" } & Payload<"browser:stats">)
  | ({ kind: "done" } & Payload<"browser:done">)
  | ({ kind: "error" } & Payload<"browser:error">);

export type IntakeResult =
  | { ok: true; report: BrowserReport }
  | { ok: false; code: "bad_request" | "rate_limited" | "ended"; message: string };

export interface BrowserRunIntake {
  accept(event: string, payload: unknown): IntakeResult;
}

/** `epochs`: the run's length; `from`: the epoch it starts at (a continued run). */
export function browserRunIntake(
  run: { epochs: number; from?: number },
  limits: IntakeLimits = DEFAULT_INTAKE_LIMITS,
  now?: () => number,
): BrowserRunIntake {
  const check = guards(limits);
  const buckets: Record<"frame" | "stats", RateLimiter> = {
    frame: rateLimiter({ ...limits.frames, ...(now ? { now } : {}) }),
    stats: rateLimiter({ ...limits.stats, ...(now ? { now } : {}) }),
  };
  // The same epoch may come twice (a frame, then the snapshot); earlier ones never.
  let last = { frame: run.from ?? 0, stats: run.from ?? 0 };
  let ended = false;
  const bad = (message: string): IntakeResult => ({ ok: false, code: "bad_request", message });

  const inRun = (kind: "frame" | "stats", e: number): string | null => {
    if (e >= run.epochs) return `${kind} epoch ${e} is past the run's ${run.epochs} epochs`;
    if (e < last[kind]) return `${kind} epoch ${e} goes back (last ${last[kind]})`;
    return null;
  };

  return {
    accept(event, payload) {
      if (ended) return { ok: false, code: "ended", message: "the run has ended" };
      if (!(event in check)) return bad(`unknown event '${event}'`);
      const name = event as BrowserEventName;
      const checked = check[name](payload) as Checked<Payload<typeof name>>;
      if (!checked.ok)
        return bad(`${event}: ${checked.issue.path || "payload"}: ${checked.issue.message}`);
      const v = checked.value;
      switch (name) {
        case "browser:frame":
        case "browser:done": {
          const f = v as Payload<"browser:frame"> | Payload<"browser:done">;
          const why = inRun("frame", f.epoch) ?? pngProblem(f.png, "width" in f ? f : null, limits);
          if (why) return bad(`${event}: ${why}`);
          if (name === "browser:frame" && !buckets.frame.take())
            return { ok: false, code: "rate_limited", message: "frames come too fast" };
          last = { ...last, frame: f.epoch };
          if (name === "browser:done") {
            ended = true;
            return { ok: true, report: { kind: "done", ...(f as Payload<"browser:done">) } };
          }
          return { ok: true, report: { kind: "frame", ...(f as Payload<"browser:frame">) } };
        }
        case "browser:stats": {
          const s = v as Payload<"browser:stats">;
          const why =
            inRun("stats", s.epoch) ??
            (s.epochs !== run.epochs ? `epochs ${s.epochs} is not the run's ${run.epochs}` : null);
          if (why) return bad(`${event}: ${why}`);
          if (!buckets.stats.take())
            return { ok: false, code: "rate_limited", message: "statistics come too fast" };
          last = { ...last, stats: s.epoch };
          return { ok: true, report: { kind: "stats", ...s } };
        }
        case "browser:error":
          ended = true;
          return { ok: true, report: { kind: "error", ...(v as Payload<"browser:error">) } };
      }
    },
  };
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Why `png` is not a PNG of the declared size within the limits (null: it is). */
export function pngProblem(
  png: Uint8Array,
  declared: { width: number; height: number } | null,
  limits: Pick<IntakeLimits, "maxSide">,
): string | null {
  if (png.byteLength < 24 || PNG_SIGNATURE.some((b, i) => png[i] !== b)) return "not a PNG";
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  if (String.fromCharCode(...png.subarray(12, 16)) !== "IHDR") return "PNG without IHDR first";
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  if (width < 1 || height < 1 || width > limits.maxSide || height > limits.maxSide)
    return `PNG of ${width}×${height} pixels (at most ${limits.maxSide} a side)`;
  if (declared && (declared.width !== width || declared.height !== height))
    return `PNG of ${width}×${height} declared as ${declared.width}×${declared.height}`;
  return null;
}
