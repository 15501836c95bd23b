/**
 * Where the cursor is in a half-typed YAML experiment, by indentation alone: the instance path of
 * the mapping a key is being typed into (for completion) or of the key on a line (for hover).
 * The full parser cannot help here: while someone types, the document is usually not valid YAML.
 */

interface Frame {
  col: number;
  /** A key name, or a list index for an item. */
  name: string | number;
  item: boolean;
}

export type CursorContext =
  | { kind: "key"; parent: string; from: number; word: string }
  | { kind: "value"; path: string; from: number; word: string };

const LINE = /^(\s*)((?:-\s+)*)(?:([A-Za-z_][\w-]*)\s*:(?=\s|$))?/;

function toPath(stack: Frame[]): string {
  let path = "";
  for (const f of stack) path += f.item ? `[${f.name}]` : path ? `.${f.name}` : String(f.name);
  return path;
}

/** Pushes one list-item marker at `col`: a sibling item replaces the previous one, one deeper. */
function pushItem(stack: Frame[], col: number, lastIndex: Map<string, number>) {
  while (
    stack.length &&
    (stack.at(-1)!.col > col || (stack.at(-1)!.item && stack.at(-1)!.col === col))
  )
    stack.pop();
  const key = `${toPath(stack)}@${col}`;
  const index = (lastIndex.get(key) ?? -1) + 1;
  lastIndex.set(key, index);
  stack.push({ col, name: index, item: true });
}

function pushKey(stack: Frame[], col: number, name: string, lastIndex: Map<string, number>) {
  while (stack.length && stack.at(-1)!.col >= col) stack.pop();
  // A new key restarts numbering of any list below it.
  const prefix = `${toPath(stack)}${stack.length ? "." : ""}${name}`;
  for (const k of [...lastIndex.keys()]) if (k.startsWith(prefix + "@")) lastIndex.delete(k);
  stack.push({ col, name, item: false });
}

/** Applies one line's list markers and key to the stack; returns the key's column, if any. */
function applyLine(stack: Frame[], line: string, lastIndex: Map<string, number>): void {
  const code = stripComment(line);
  if (!code.trim()) return;
  const m = LINE.exec(code)!;
  let col = m[1].length;
  for (const dash of m[2].match(/-\s+/g) ?? []) {
    pushItem(stack, col, lastIndex);
    col += dash.length;
  }
  if (m[3]) pushKey(stack, col, m[3], lastIndex);
}

function stripComment(line: string): string {
  const i = line.search(/(^|\s)#/);
  return i < 0 ? line : line.slice(0, i);
}

/** The stack after all lines before `lineStart` (offset of the cursor's line). */
function stackBefore(
  text: string,
  lineStart: number,
): { stack: Frame[]; lastIndex: Map<string, number> } {
  const stack: Frame[] = [];
  const lastIndex = new Map<string, number>();
  for (const line of text.slice(0, lineStart).split("\n")) applyLine(stack, line, lastIndex);
  return { stack, lastIndex };
}

export function contextAt(text: string, pos: number): CursorContext | null {
  const lineStart = text.lastIndexOf("\n", pos - 1) + 1;
  const prefix = text.slice(lineStart, pos);
  if (/(^|\s)#/.test(prefix)) return null;
  const { stack, lastIndex } = stackBefore(text, lineStart);

  const keyMatch = /^(\s*)((?:-\s+)*)([A-Za-z_][\w-]*)?$/.exec(prefix);
  if (keyMatch) {
    let col = keyMatch[1].length;
    for (const dash of keyMatch[2].match(/-\s+/g) ?? []) {
      pushItem(stack, col, lastIndex);
      col += dash.length;
    }
    while (stack.length && stack.at(-1)!.col >= col) stack.pop();
    const word = keyMatch[3] ?? "";
    return { kind: "key", parent: toPath(stack), from: pos - word.length, word };
  }
  const valueMatch = /^(\s*)((?:-\s+)*)([A-Za-z_][\w-]*)\s*:\s+([^\s,]*)$/.exec(prefix);
  if (valueMatch) {
    applyLine(stack, prefix, lastIndex);
    const word = valueMatch[4];
    return { kind: "value", path: toPath(stack), from: pos - word.length, word };
  }
  return null;
}

/** The instance path of the key on the line at `pos`, when `pos` lies on that key. */
export function keyPathAt(
  text: string,
  pos: number,
): { path: string; from: number; to: number } | null {
  const lineStart = text.lastIndexOf("\n", pos - 1) + 1;
  const lineEnd = text.indexOf("\n", pos) < 0 ? text.length : text.indexOf("\n", pos);
  const line = text.slice(lineStart, lineEnd);
  const m = LINE.exec(stripComment(line));
  if (!m?.[3]) return null;
  const from = lineStart + m[1].length + m[2].length;
  const to = from + m[3].length;
  if (pos < from || pos > to) return null;
  const { stack, lastIndex } = stackBefore(text, lineStart);
  applyLine(stack, line, lastIndex);
  return { path: toPath(stack), from, to };
}
