/**
 * Merging several experiment files (defgsus/clipig src/parameters.py:873-899), on the positioned
 * trees so every diagnostic still
 * points into the file it came from: mappings merge recursively, list sections (`targets`,
 * `postproc`) are appended, everything else is overwritten by the later file.
 */
import { lookup } from "./params";
import type { MapEntry, TreeNode } from "./yaml-tree";

/** Merges trees left to right. */
export function mergeConfigs(trees: readonly TreeNode[]): TreeNode | null {
  return trees.reduce<TreeNode | null>((acc, t) => (acc === null ? t : mergeTwo(acc, t, "")), null);
}

function mergeTwo(a: TreeNode, b: TreeNode, schema: string): TreeNode {
  if (a.kind !== "map" || b.kind !== "map") return b;
  const entries: MapEntry[] = [...a.entries];
  for (const e of b.entries) {
    const i = lastIndexOf(entries, e.key);
    const path = schema ? `${schema}.${e.key}` : e.key;
    if (i < 0) {
      entries.push(e);
      continue;
    }
    const old = entries[i].value;
    const kind = lookup(path)?.kind;
    let value: TreeNode;
    if (kind === "list-section" && e.value.kind === "seq") {
      // Quirk decision (QUIRKS.md E4): only list sections append; sequence parameters overwrite.
      value =
        old.kind === "seq" ? { ...e.value, items: [...old.items, ...e.value.items] } : e.value;
    } else if (old.kind === "map" && e.value.kind === "map") {
      value = mergeTwo(old, e.value, path);
    } else {
      value = e.value;
    }
    entries[i] = { ...entries[i], value };
  }
  return { ...b, entries };
}

function lastIndexOf(entries: readonly MapEntry[], key: string): number {
  for (let i = entries.length - 1; i >= 0; i--) if (entries[i].key === key) return i;
  return -1;
}
