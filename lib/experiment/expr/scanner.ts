/**
 * Python tokens with character offsets. One table lists every operator and keyword; the scanner's
 * lookups derive from it. Errors go to a callback (the first one ends the scan), never thrown.
 */
import { MAX_INT_BITS } from "./limits";

export type TokenKind = "number" | "string" | "name" | "keyword" | "op" | "eof";

export interface Token {
  kind: TokenKind;
  text: string;
  start: number;
  end: number;
  /** Literal value: bigint for ints, number for floats, string for strings. */
  value?: bigint | number | string;
}

export type ScanError = (detail: string, start: number, end: number) => void;

/** Every fixed token; keywords are Python's full list so unsupported ones get a clear message. */
const TOKEN_TABLE: Record<string, "op" | "keyword"> = {
  "**": "op",
  "//": "op",
  "<<": "op",
  ">>": "op",
  "<=": "op",
  ">=": "op",
  "==": "op",
  "!=": "op",
  ":=": "op",
  "->": "op",
  "**=": "op",
  "+": "op",
  "-": "op",
  "*": "op",
  "/": "op",
  "%": "op",
  "@": "op",
  "~": "op",
  "&": "op",
  "|": "op",
  "^": "op",
  "<": "op",
  ">": "op",
  "(": "op",
  ")": "op",
  "[": "op",
  "]": "op",
  "{": "op",
  "}": "op",
  ",": "op",
  ":": "op",
  ".": "op",
  ";": "op",
  "=": "op",
  and: "keyword",
  or: "keyword",
  not: "keyword",
  if: "keyword",
  else: "keyword",
  in: "keyword",
  is: "keyword",
  True: "keyword",
  False: "keyword",
  None: "keyword",
  lambda: "keyword",
  for: "keyword",
  async: "keyword",
  await: "keyword",
  yield: "keyword",
  as: "keyword",
  assert: "keyword",
  break: "keyword",
  class: "keyword",
  continue: "keyword",
  def: "keyword",
  del: "keyword",
  elif: "keyword",
  except: "keyword",
  finally: "keyword",
  from: "keyword",
  global: "keyword",
  import: "keyword",
  nonlocal: "keyword",
  pass: "keyword",
  raise: "keyword",
  return: "keyword",
  try: "keyword",
  while: "keyword",
  with: "keyword",
};

const OPERATORS = Object.keys(TOKEN_TABLE)
  .filter((k) => TOKEN_TABLE[k] === "op")
  .sort((a, b) => b.length - a.length);
const OPERATOR_CHARS = new Set(OPERATORS.map((op) => op[0]));
/** Keywords Python lets a number run into (`1if x else 2`). */
const NUMBER_SUFFIX_KEYWORDS = new Set(["and", "else", "for", "if", "in", "is", "not", "or"]);

const isDigit = (c: string) => c >= "0" && c <= "9";
const NAME_START = /[\p{ID_Start}_]/u;
const NAME_CONTINUE = /[\p{ID_Continue}_]/u;
// sticky (`y`) patterns match at `lastIndex` without copying the rest of the source
const RADIX_PREFIX = /0([xXoObB])_?/y;
const DIGIT_RUN: Record<string, RegExp> = {
  x: /[0-9a-fA-F](?:_?[0-9a-fA-F])*/y,
  o: /[0-7](?:_?[0-7])*/y,
  b: /[01](?:_?[01])*/y,
};
const DECIMAL_NUMBER = /(?:\d(?:_?\d)*)?(?:\.(?:\d(?:_?\d)*)?)?(?:[eE][+-]?\d(?:_?\d)*)?/y;
const WORD = /[\p{ID_Continue}_]*/uy;

function matchAt(pattern: RegExp, source: string, at: number): string | undefined {
  pattern.lastIndex = at;
  return pattern.exec(source)?.[0];
}

const SIMPLE_ESCAPES: Record<string, string> = {
  "\\": "\\",
  "'": "'",
  '"': '"',
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\n": "",
};

/** Pulls tokens one at a time, so a parser that gives up early never scans the rest. */
export interface Scanner {
  /** The next token; `eof` at the end and after an error. */
  next(): Token;
}

export function createScanner(source: string, onError: ScanError): Scanner {
  const pending: Token[] = [];
  let pos = 0;
  let failed = false;
  const fail = (detail: string, start: number, end: number) => {
    if (!failed) onError(detail, start, end);
    failed = true;
  };
  const eof: Token = { kind: "eof", text: "", start: source.length, end: source.length };

  return {
    next() {
      while (pending.length === 0 && pos < source.length && !failed) {
        const c = source[pos];
        if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f") {
          pos++;
        } else if (c === "\\" && source[pos + 1] === "\n") {
          pos += 2;
        } else if (c === "#") {
          while (pos < source.length && source[pos] !== "\n") pos++;
        } else if (isDigit(c) || (c === "." && isDigit(source[pos + 1] ?? ""))) {
          pos = scanNumber(source, pos, pending, fail);
        } else if (c === "'" || c === '"') {
          pos = scanString(source, pos, pos, "", pending, fail);
        } else if (NAME_START.test(c)) {
          const start = pos;
          while (pos < source.length && NAME_CONTINUE.test(source[pos])) pos++;
          const text = source.slice(start, pos);
          if (
            (source[pos] === "'" || source[pos] === '"') &&
            /^(?:[rRuUbBfF]|[rR][bBfF]|[bBfF][rR])$/.test(text)
          ) {
            pos = scanString(source, start, pos, text.toLowerCase(), pending, fail);
          } else {
            pending.push({
              kind: TOKEN_TABLE[text] === "keyword" ? "keyword" : "name",
              text,
              start,
              end: pos,
            });
          }
        } else if (OPERATOR_CHARS.has(c)) {
          const op = OPERATORS.find((o) => source.startsWith(o, pos))!;
          pending.push({ kind: "op", text: op, start: pos, end: pos + op.length });
          pos += op.length;
        } else {
          const ch = String.fromCodePoint(source.codePointAt(pos)!);
          const code = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
          fail(`invalid character '${ch}' (U+${code})`, pos, pos + ch.length);
        }
      }
      return failed ? eof : (pending.shift() ?? eof);
    },
  };
}

/** All tokens up to and including `eof` (for tests and tools). */
export function scan(source: string, onError: ScanError): Token[] {
  const scanner = createScanner(source, onError);
  const tokens = [scanner.next()];
  while (tokens[tokens.length - 1].kind !== "eof") tokens.push(scanner.next());
  return tokens;
}

function scanNumber(source: string, start: number, tokens: Token[], fail: ScanError): number {
  let end: number;
  let value: bigint | number;
  const prefix = matchAt(RADIX_PREFIX, source, start);
  if (prefix) {
    const radix = prefix[1].toLowerCase() as "x" | "o" | "b";
    const digits = matchAt(DIGIT_RUN[radix], source, start + prefix.length);
    if (!digits) {
      fail(
        `invalid ${{ x: "hexadecimal", o: "octal", b: "binary" }[radix]} literal`,
        start,
        start + prefix.length,
      );
      return source.length;
    }
    end = start + prefix.length + digits.length;
    const clean = `0${radix}${digits.replace(/_/g, "")}`;
    if ((clean.length - 2) * 4 > MAX_INT_BITS + 4) {
      fail("integer literal too large", start, end);
      return source.length;
    }
    value = BigInt(clean);
  } else {
    const text = matchAt(DECIMAL_NUMBER, source, start)!;
    end = start + text.length;
    const clean = text.replace(/_/g, "");
    if (/[.eE]/.test(clean)) {
      value = Number(clean);
    } else {
      if (/^0+[1-9]/.test(clean)) {
        fail(
          "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers",
          start,
          end,
        );
        return source.length;
      }
      if (clean.length * 3.33 > MAX_INT_BITS + 4) {
        fail("integer literal too large", start, end);
        return source.length;
      }
      value = BigInt(clean);
    }
  }
  const next = source[end] ?? "";
  if (next === "j" || next === "J") {
    fail("complex numbers are not supported", start, end + 1);
    return source.length;
  }
  if (next === "_" || (NAME_START.test(next) && next !== "")) {
    const word = matchAt(WORD, source, end)!;
    if (!NUMBER_SUFFIX_KEYWORDS.has(word) || next === "_") {
      fail("invalid decimal literal", start, end + word.length);
      return source.length;
    }
  } else if (isDigit(next) || next === ".") {
    fail("invalid decimal literal", start, end + 1);
    return source.length;
  }
  tokens.push({ kind: "number", text: source.slice(start, end), start, end, value });
  return end;
}

function scanString(
  source: string,
  start: number,
  quotePos: number,
  prefix: string,
  tokens: Token[],
  fail: ScanError,
): number {
  const quote = source[quotePos];
  const triple = source.startsWith(quote.repeat(3), quotePos);
  const delimiter = triple ? quote.repeat(3) : quote;
  if (prefix.includes("b")) {
    fail("bytes literals are not supported", start, quotePos + delimiter.length);
    return source.length;
  }
  if (prefix.includes("f")) {
    fail("f-strings are not supported", start, quotePos + delimiter.length);
    return source.length;
  }
  const raw = prefix.includes("r");
  let pos = quotePos + delimiter.length;
  let value = "";
  while (true) {
    if (pos >= source.length || (!triple && source[pos] === "\n")) {
      fail(
        triple ? "unterminated triple-quoted string literal" : "unterminated string literal",
        start,
        pos,
      );
      return source.length;
    }
    if (source.startsWith(delimiter, pos)) break;
    const c = source[pos];
    if (c !== "\\") {
      value += c;
      pos++;
      continue;
    }
    const e = source[pos + 1] ?? "";
    if (raw) {
      value += c + e;
      pos += 2;
      continue;
    }
    if (e in SIMPLE_ESCAPES) {
      value += SIMPLE_ESCAPES[e];
      pos += 2;
    } else if (/[0-7]/.test(e)) {
      const oct = /^[0-7]{1,3}/.exec(source.slice(pos + 1))![0];
      value += String.fromCharCode(parseInt(oct, 8));
      pos += 1 + oct.length;
    } else if (e === "x" || e === "u" || e === "U") {
      const n = e === "x" ? 2 : e === "u" ? 4 : 8;
      const hex = source.slice(pos + 2, pos + 2 + n);
      const code = /^[0-9a-fA-F]+$/.test(hex) && hex.length === n ? parseInt(hex, 16) : -1;
      if (code < 0 || code > 0x10ffff) {
        fail(
          `can't decode bytes in position ${pos - quotePos - 1}: truncated \\${e} escape`,
          pos,
          pos + 2 + hex.length,
        );
        return source.length;
      }
      value += String.fromCodePoint(code);
      pos += 2 + n;
    } else if (e === "N") {
      fail("\\N{...} escapes are not supported", pos, pos + 2);
      return source.length;
    } else {
      value += c;
      pos++;
    }
  }
  const end = pos + delimiter.length;
  tokens.push({ kind: "string", text: source.slice(start, end), start, end, value });
  return end;
}
