// `npx tsx scripts/server-deps.ts`: which folders of server/ import which (non-test files), and the
// pairs that import each other — the source of the dependency list in server/CONTEXT.md.
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const IMPORT = /(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;
const isTest = (file: string) => /\.test\.|\/testing(\.ts|\/)/.test(file);

/** The folder a path belongs to: `server/<folder>`, `server/engine/<folder>`, `(root)` or `lib`. */
function folderOf(abs: string): string | undefined {
  const parts = path.relative(ROOT, abs).split(path.sep);
  if (parts[0] === "lib") return "lib";
  if (parts[0] !== "server") return undefined;
  if (parts.length === 2) return "(root)";
  if (parts[1] === "engine" && parts.length > 3) return `engine/${parts[2]}`;
  return parts[1];
}

function* sources(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) yield* sources(p);
    else if (/\.tsx?$/.test(name) && !isTest(p)) yield p;
  }
}

const edges = new Map<string, Set<string>>();
for (const file of sources(path.join(ROOT, "server"))) {
  const from = folderOf(file)!;
  for (const m of readFileSync(file, "utf8").matchAll(IMPORT)) {
    const spec = m[1] ?? m[2];
    if (!spec.startsWith(".")) continue;
    const target = path.resolve(path.dirname(file), spec);
    // `../net` names a folder (its index.ts); `./store` a file
    const isFolder = existsSync(target) && statSync(target).isDirectory();
    const to = folderOf(isFolder ? path.join(target, "index.ts") : target);
    if (to && to !== from) edges.set(from, (edges.get(from) ?? new Set()).add(to));
  }
}
for (const [from, to] of [...edges].sort()) console.log(`${from} → ${[...to].sort().join(" ")}`);
for (const [a, to] of edges)
  for (const b of to) if (a < b && edges.get(b)?.has(a)) console.log(`cycle: ${a} ↔ ${b}`);
