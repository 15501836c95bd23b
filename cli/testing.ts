/** Test support: runs `clipig` as a person would, from the repository root, whatever its exit code. */
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "..");
// tsx directly: npx adds about a second of start-up per call
const TSX = path.join(ROOT, "node_modules/.bin/tsx");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `tsx cli/main.ts …args` with `env` over this process's environment. */
export function runCli(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      TSX,
      ["cli/main.ts", ...args],
      { cwd: ROOT, env: { ...process.env, ...env }, timeout: 50_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/**
 * A copy of the bundled tiny-clip in `dir` whose vision tower takes `imageSize`-pixel inputs: its
 * config's `image_size` and the position embedding cut to the fewer patches (the weights stay
 * random, as tiny-clip's). For what depends on the model's own input size.
 */
export function tinyClipWithImageSize(dir: string, imageSize: number): string {
  const from = path.join(ROOT, "models/tiny-clip");
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(from))
    if (f !== "config.json" && f !== "model.safetensors")
      copyFileSync(path.join(from, f), path.join(dir, f));
  const config = JSON.parse(readFileSync(path.join(from, "config.json"), "utf8")) as {
    vision_config: { image_size: number; patch_size: number };
  };
  config.vision_config.image_size = imageSize;
  writeFileSync(path.join(dir, "config.json"), JSON.stringify(config, null, 2));
  const positions = (imageSize / config.vision_config.patch_size) ** 2 + 1;

  // safetensors: u64 header length, JSON header {name: {dtype, shape, data_offsets}}, data.
  const bytes = readFileSync(path.join(from, "model.safetensors"));
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString("utf8")) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >;
  const data = bytes.subarray(8 + headerLength);
  const pieces: Buffer[] = [];
  const out: Record<string, unknown> = {};
  let offset = 0;
  for (const [name, t] of Object.entries(header)) {
    if (name === "__metadata__") {
      out[name] = t;
      continue;
    }
    let piece = data.subarray(t.data_offsets[0], t.data_offsets[1]);
    let shape = t.shape;
    if (name === "vision_model.embeddings.position_embedding.weight") {
      shape = [positions, t.shape[1]!];
      piece = piece.subarray(0, positions * t.shape[1]! * 4);
    }
    out[name] = { dtype: t.dtype, shape, data_offsets: [offset, offset + piece.length] };
    pieces.push(piece);
    offset += piece.length;
  }
  const json = Buffer.from(JSON.stringify(out), "utf8");
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(path.join(dir, "model.safetensors"), Buffer.concat([length, json, ...pieces]));
  return dir;
}
