/**
 * `clipig models list|pull NAME|path NAME|remove NAME`: the CLIP checkpoints this machine has or
 * can download, in the same store and through the same download code as the studio's /models page.
 * Downloads show a progress bar on stderr (bytes, speed, ETA); stdout carries only results.
 */
import type { Command } from "../command";
import { fail } from "../verb";
import {
  DEFAULT_MODEL,
  findModel,
  hubUrl,
  listModels,
  pullModel,
  removeModel,
  resolveModelDir,
  storeUsage,
  type PullProgress,
} from "../../server/engine/platform/model-store";
import { DownloadError } from "../../server/engine/platform/download";

const USAGE = `usage: clipig models list
       clipig models pull NAME     download a model (default ${DEFAULT_MODEL})
       clipig models path NAME     print the folder of an installed model
       clipig models remove NAME   delete a downloaded model (and any unfinished download of it)

NAME is a known model's Hugging Face id (openai/clip-vit-base-patch32), an alias (ViT-B/32),
tiny-clip, or for pull any hub repository id (owner/name) holding a CLIP checkpoint.
Environment: CLIPIG_MODELS_DIR (default <CLIPIG_DATA_DIR>/models, i.e. data/models),
CLIPIG_HUB_URL (default https://huggingface.co, or a mirror), CLIPIG_MODELS_MIN_FREE_MB (1024).
`;

const command: Command = {
  name: "models",
  summary: "list, download and locate CLIP models",
  async run(args) {
    const [action, name, ...extra] = args;
    if (!action || action === "-h" || action === "--help" || extra.length > 0) {
      (action ? process.stdout : process.stderr).write(USAGE);
      return action && extra.length === 0 ? 0 : 1;
    }
    try {
      switch (action) {
        case "list":
          return await list();
        case "pull":
          return await pull(name ?? DEFAULT_MODEL);
        case "path":
          if (!name) break;
          process.stdout.write(`${resolveModelDir(name)}\n`);
          return 0;
        case "remove":
          if (!name) break;
          process.stdout.write(`removed ${name}: ${formatBytes(await removeModel(name))} freed\n`);
          return 0;
      }
    } catch (error) {
      return fail("models", error);
    }
    process.stderr.write(USAGE);
    return 1;
  },
};
export default command;

async function list(): Promise<number> {
  const rows = (await listModels()).map((m) => [
    m.name + (m.name === DEFAULT_MODEL ? " (default)" : ""),
    m.aliases.join(", "),
    m.status + (m.partialBytes ? ` (${formatBytes(m.partialBytes)} to resume)` : ""),
    (m.status === "not installed" ? "~" : "") + formatBytes(m.bytes),
    m.description,
  ]);
  const header = ["model", "aliases", "status", "size", "description"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const row of [header, ...rows]) {
    process.stdout.write(
      `${row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join("  ")
        .trimEnd()}\n`,
    );
  }
  const usage = await storeUsage();
  process.stdout.write(
    `\nstore ${usage.dir}: ${formatBytes(usage.usedBytes)} used, ${formatBytes(usage.freeBytes)} free; hub ${hubUrl()}\n`,
  );
  return 0;
}

async function pull(name: string): Promise<number> {
  const model = findModel(name);
  if (model?.bundled) {
    process.stderr.write(`${model.name} ships with CLIPig Studio; nothing to download\n`);
  }
  const bar = new ProgressBar();
  let dir: string;
  try {
    // This machine's owner runs the CLI: any hub repository id may be pulled.
    dir = await pullModel(name, { anyRepo: true, onProgress: (p) => bar.update(p) });
  } catch (error) {
    bar.done();
    if (!(error instanceof DownloadError)) throw error;
    throw new Error(
      `${error.message}\n(the bundled tiny-clip model works offline: --model tiny-clip)`,
    );
  }
  bar.done();
  process.stdout.write(`${dir}\n`);
  return 0;
}

/** One line redrawn in place on a terminal; a line per 10% otherwise (logs, CI). */
class ProgressBar {
  private lastFile = "";
  private lastStep = -1;
  private lastDraw = 0;

  update(p: PullProgress): void {
    const tty = process.stderr.isTTY === true;
    const fraction = p.total ? p.received / p.total : 0;
    const now = Date.now();
    if (p.file !== this.lastFile) {
      if (this.lastFile && tty) process.stderr.write("\n");
      [this.lastFile, this.lastStep] = [p.file, -1];
    }
    const step = Math.floor(fraction * 10);
    const finished = p.total !== undefined && p.received >= p.total;
    if (tty ? now - this.lastDraw < 100 && !finished : step === this.lastStep && !finished) return;
    this.lastDraw = now;
    this.lastStep = step;
    process.stderr.write(`${tty ? "\r\x1b[K" : ""}${formatProgress(p)}${tty ? "" : "\n"}`);
  }

  done(): void {
    if (this.lastFile && process.stderr.isTTY) process.stderr.write("\n");
  }
}

export function formatProgress(p: PullProgress): string {
  const width = 24;
  const fraction = p.total ? Math.min(1, p.received / p.total) : 0;
  const filled = Math.round(fraction * width);
  const bar = p.total
    ? `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%`
    : "";
  const size = p.total
    ? `${formatBytes(p.received)}/${formatBytes(p.total)}`
    : formatBytes(p.received);
  const eta = p.etaSeconds === undefined ? "" : `  ETA ${formatDuration(p.etaSeconds)}`;
  return `(${p.fileIndex + 1}/${p.fileCount}) ${p.file}  ${bar}  ${size}  ${formatBytes(p.bytesPerSecond)}/s${eta}`;
}

export function formatBytes(bytes: number): string {
  const units = ["B", "kB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) [value, unit] = [value / 1000, unit + 1];
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}
