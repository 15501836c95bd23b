/** Small display formatters shared by pages and the studio (pure, so both sides render the same). */

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "–";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`;
}

/** Seconds left at the current speed; null when it cannot be known yet. */
export function etaMs(epoch: number, epochs: number, epochsPerSecond: number): number | null {
  if (!(epochsPerSecond > 0) || epochs <= 0) return null;
  return (Math.max(0, epochs - epoch) / epochsPerSecond) * 1000;
}

const UNITS: [number, string][] = [
  [60, "s"],
  [60, "min"],
  [24, "h"],
  [30, "d"],
  [12, "mo"],
];

/** "3 min ago"; `now` is a parameter so server and client agree in tests. */
export function timeAgo(iso: string | null, now = Date.now()): string {
  if (!iso) return "";
  let v = Math.max(0, (now - Date.parse(iso)) / 1000);
  if (v < 10) return "just now";
  for (const [size, unit] of UNITS) {
    if (v < size) return `${Math.floor(v)} ${unit} ago`;
    v /= size;
  }
  return `${Math.floor(v)} y ago`;
}

export function formatNumber(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  const abs = Math.abs(v);
  if (abs !== 0 && (abs >= 1e5 || abs < 1e-3)) return v.toExponential(2);
  return Number(v.toFixed(digits)).toString();
}

/** A file name from a title, as the server's download routes name it. */
export { fileName } from "@/lib/experiment/file-name";
