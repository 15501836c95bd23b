/**
 * CLIP's byte-level BPE tokenizer (OpenAI `simple_tokenizer.py`, Hugging Face `CLIPTokenizer`):
 * clean the text (HTML-unescape twice, NFC, collapse whitespace, lowercase), split it with CLIP's
 * regex, map each piece's UTF-8 bytes to printable characters, merge by rank with `</w>` marking the
 * end of a word, and frame the ids as `<|startoftext|> … <|endoftext|>` padded to the context length.
 */
import { htmlUnescape } from "./html";

export interface TokenizeOptions {
  /** Cut long texts to fit (as Hugging Face does) instead of throwing, which is what CLIPig does. */
  truncate?: boolean;
}

const START = "<|startoftext|>";
const END = "<|endoftext|>";
/** OpenAI's tokenizer reads only this many merges; Hugging Face's copies the limit. */
const MAX_MERGES = 49152 - 256 - 2;
const PIECE =
  /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+/giu;
/** Python's `\s` (str.isspace), which includes the separators U+001C..U+001F that JS's `\s` lacks. */
const WHITESPACE = /[\s\x1c-\x1f\x85]+/gu;

export class ClipTokenizer {
  readonly startId: number;
  readonly endId: number;
  private readonly byteChars = bytesToUnicode();
  private readonly ranks: Map<string, number>;
  private readonly cache = new Map<string, number[]>();

  constructor(
    private readonly vocab: ReadonlyMap<string, number>,
    merges: readonly (readonly [string, string])[],
    readonly contextLength = 77,
  ) {
    this.ranks = new Map(merges.slice(0, MAX_MERGES).map(([a, b], rank) => [`${a} ${b}`, rank]));
    this.startId = idOf(vocab, START);
    this.endId = idOf(vocab, END);
  }

  /** From the text of `vocab.json` and `merges.txt`. */
  static fromFiles(vocabJson: string, mergesTxt: string, contextLength = 77): ClipTokenizer {
    const vocab = new Map(Object.entries(JSON.parse(vocabJson) as Record<string, number>));
    const merges = mergesTxt
      .split("\n")
      .filter((line, i) => line.trim() !== "" && !(i === 0 && line.startsWith("#version")))
      .map((line) => {
        const [a, b] = line.trim().split(" ");
        if (!a || !b) throw new Error(`merges.txt: bad line '${line}'`);
        return [a, b] as const;
      });
    return new ClipTokenizer(vocab, merges, contextLength);
  }

  /** BPE ids of the text, without start/end tokens. */
  encode(text: string): number[] {
    const ids: number[] = [];
    for (const piece of cleanText(text).match(PIECE) ?? []) {
      if (piece === START || piece === END) {
        ids.push(idOf(this.vocab, piece));
        continue;
      }
      let chars = "";
      for (const byte of new TextEncoder().encode(piece)) chars += this.byteChars[byte];
      ids.push(...this.bpeIds(chars));
    }
    return ids;
  }

  /** One row of `contextLength` ids per text: start, BPE ids, end, padded with the end token. */
  tokenize(text: string, options: TokenizeOptions = {}): number[] {
    let ids = this.encode(text);
    const room = this.contextLength - 2;
    if (ids.length > room) {
      if (!options.truncate) {
        throw new Error(
          `text has ${ids.length} tokens, but CLIP's ${this.contextLength}-token context holds ${room} ` +
            `(plus start and end): "${text.length > 60 ? `${text.slice(0, 57)}...` : text}"`,
        );
      }
      ids = ids.slice(0, room);
    }
    const row = [this.startId, ...ids, this.endId];
    while (row.length < this.contextLength) row.push(this.endId);
    return row;
  }

  private bpeIds(chars: string): number[] {
    const cached = this.cache.get(chars);
    if (cached) return cached;
    const ids = this.bpe(chars).map((symbol) => idOf(this.vocab, symbol));
    if (this.cache.size < 10_000) this.cache.set(chars, ids);
    return ids;
  }

  /** Repeatedly merges the adjacent pair with the lowest rank until none is mergeable. */
  private bpe(chars: string): string[] {
    const word = [...chars];
    word[word.length - 1] += "</w>";
    while (word.length > 1) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i < word.length - 1; i++) {
        const rank = this.ranks.get(`${word[i]} ${word[i + 1]}`);
        if (rank !== undefined && rank < bestRank) [best, bestRank] = [i, rank];
      }
      if (best < 0) break;
      // Merge every occurrence of the pair, left to right, like the reference implementation.
      const [first, second] = [word[best]!, word[best + 1]!];
      const merged: string[] = [];
      for (let i = 0; i < word.length; i++) {
        if (word[i] === first && word[i + 1] === second) {
          merged.push(first + second);
          i++;
        } else merged.push(word[i]!);
      }
      word.splice(0, word.length, ...merged);
    }
    return word;
  }
}

export function cleanText(text: string): string {
  return htmlUnescape(htmlUnescape(text))
    .normalize("NFC")
    .replace(WHITESPACE, " ")
    .trim()
    .toLowerCase();
}

function idOf(vocab: ReadonlyMap<string, number>, symbol: string): number {
  const id = vocab.get(symbol);
  if (id === undefined) throw new Error(`tokenizer: '${symbol}' is not in vocab.json`);
  return id;
}

/** GPT-2's reversible map from the 256 byte values to printable Unicode characters. */
function bytesToUnicode(): string[] {
  const chars: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const printable =
      (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    chars[b] = String.fromCharCode(printable ? b : 256 + extra++);
  }
  return chars;
}
