/**
 * Which uploads are in use: every id-shaped word (22 letters, digits, `_` or `-` between other
 * characters) in the text of every experiment, revision and run. An experiment names an upload as
 * `upload:<id>`, so its id is such a word however the YAML quotes it; a word that only looks like
 * an id keeps nothing but an upload that happens to have that id. Read in pages, so memory follows
 * the number of distinct words, not the size of the tables.
 */
import { db } from "../db/client";

const PAGE = 200;
const WORD = /[A-Za-z0-9_-]+/g;

/** Adds the id-shaped words of `text` to `into`. */
export function collectIdWords(text: string, into: Set<string>): void {
  for (const [word] of text.matchAll(WORD)) if (word.length === 22) into.add(word);
}

type Page = (cursor: string | undefined) => Promise<{ id: string; yaml: string }[]>;

const pageArgs = (cursor: string | undefined) => ({
  select: { id: true, yaml: true },
  orderBy: { id: "asc" as const },
  take: PAGE,
  ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
});

/** Every id-shaped word in experiment, revision and run texts. */
export async function referencedIds(): Promise<Set<string>> {
  const words = new Set<string>();
  const tables: Page[] = [
    (cursor) => db().experiment.findMany(pageArgs(cursor)),
    (cursor) => db().revision.findMany(pageArgs(cursor)),
    (cursor) => db().run.findMany(pageArgs(cursor)),
  ];
  for (const page of tables) {
    let cursor: string | undefined;
    for (;;) {
      const rows = await page(cursor);
      for (const row of rows) collectIdWords(row.yaml, words);
      if (rows.length < PAGE) break;
      cursor = rows.at(-1)!.id;
    }
  }
  return words;
}
