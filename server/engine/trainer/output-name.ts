// Output file names as CLIPig's command line makes them (defgsus/clipig src/files.py:7), without
// touching the file system:
// callers pass what exists. Paths use "/" (the CLI normalises before calling).

const baseName = (p: string) => p.slice(p.lastIndexOf("/") + 1);
const dirName = (p: string) => p.slice(0, p.lastIndexOf("/") + 1);

/** Replaces the last extension of the file part of `p` (or adds one). */
export function changeExtension(p: string, ext: string): string {
  const file = baseName(p);
  const dot = file.lastIndexOf(".");
  return dirName(p) + (dot >= 0 ? file.slice(0, dot) : file) + "." + ext;
}

/**
 * The PNG name for a config: its `output` value, the config file's name (null = stdin) and the
 * `--output` option. Not yet unique.
 */
export function outputName(
  configOutput: string,
  configFile: string | null,
  option?: string,
): string {
  let name: string;
  const o = configOutput;
  if (!o || o.endsWith("/"))
    name = changeExtension((o || "./") + (configFile ? baseName(configFile) : ""), "png");
  else if (!baseName(o).includes(".")) name = o + ".png";
  else name = o;
  if (option) name = option.endsWith("/") ? option + baseName(name) : option;
  if (name.endsWith("/.png")) name = name.slice(0, -".png".length) + "output.png";
  return name;
}

/**
 * A name that does not exist yet (`exists(name)` false): `demo.png`, then `demo-1.png`, `demo-2.png`, …
 * `siblings` lists the file names in the target's directory.
 */
export function uniqueName(
  name: string,
  exists: (p: string) => boolean,
  siblings: readonly string[],
): string {
  if (!exists(name)) return name;
  const file = baseName(name);
  const dot = file.lastIndexOf(".");
  let base = dot >= 0 ? file.slice(0, dot) : file;
  const ext = dot >= 0 ? file.slice(dot) : "";
  let max = 0;
  const numbered = /^(.*)-(\d+)$/.exec(base);
  if (numbered) {
    base = numbered[1];
    max = Number(numbered[2]);
  }
  for (const s of siblings) {
    if (!s.startsWith(base)) continue;
    const m = /^-(\d+)\./.exec(s.slice(base.length));
    if (m) max = Math.max(max, Number(m[1]));
  }
  let n = max + 1;
  let candidate = `${dirName(name)}${base}-${n}${ext}`;
  while (exists(candidate)) candidate = `${dirName(name)}${base}-${++n}${ext}`;
  return candidate;
}
