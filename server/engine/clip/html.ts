/**
 * Python's `html.unescape` for what prompts contain: numeric references (decimal and hex) and the
 * common named entities. Unknown names stay as they are, as in Python.
 */

const NAMED: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: "\u00a0",
  copy: "©",
  reg: "®",
  trade: "™",
  hellip: "…",
  mdash: "—",
  ndash: "–",
  lsquo: "‘",
  rsquo: "’",
  ldquo: "“",
  rdquo: "”",
  laquo: "«",
  raquo: "»",
  bull: "•",
  middot: "·",
  deg: "°",
  times: "×",
  divide: "÷",
  plusmn: "±",
  euro: "€",
  pound: "£",
  yen: "¥",
  cent: "¢",
  sect: "§",
  para: "¶",
  iexcl: "¡",
  iquest: "¿",
  shy: "\u00ad",
  aacute: "á",
  agrave: "à",
  acirc: "â",
  auml: "ä",
  atilde: "ã",
  aring: "å",
  aelig: "æ",
  ccedil: "ç",
  eacute: "é",
  egrave: "è",
  ecirc: "ê",
  euml: "ë",
  iacute: "í",
  igrave: "ì",
  icirc: "î",
  iuml: "ï",
  ntilde: "ñ",
  oacute: "ó",
  ograve: "ò",
  ocirc: "ô",
  ouml: "ö",
  otilde: "õ",
  oslash: "ø",
  uacute: "ú",
  ugrave: "ù",
  ucirc: "û",
  uuml: "ü",
  yacute: "ý",
  yuml: "ÿ",
  szlig: "ß",
  Aacute: "Á",
  Agrave: "À",
  Auml: "Ä",
  Eacute: "É",
  Egrave: "È",
  Ouml: "Ö",
  Uuml: "Ü",
  Ntilde: "Ñ",
  Ccedil: "Ç",
};
/** Entities Python also accepts without the closing semicolon (HTML's legacy set, the ones above). */
const LEGACY = new Set([
  "amp",
  "lt",
  "gt",
  "quot",
  "nbsp",
  "copy",
  "reg",
  "deg",
  "times",
  "divide",
  "pound",
  "yen",
  "cent",
]);

const REFERENCE = /&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/g;

export function htmlUnescape(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(REFERENCE, (whole, body: string) => {
    if (body.startsWith("#")) {
      const hex = body[1] === "x" || body[1] === "X";
      const code = parseInt(body.slice(hex ? 2 : 1).replace(";", ""), hex ? 16 : 10);
      if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return "\ufffd";
      return String.fromCodePoint(code);
    }
    const name = body.endsWith(";") ? body.slice(0, -1) : body;
    if (body.endsWith(";") && name in NAMED) return NAMED[name]!;
    // Without a semicolon Python takes the longest legacy entity that prefixes the name.
    for (let n = name.length; n > 1; n--) {
      const prefix = name.slice(0, n);
      if (LEGACY.has(prefix)) return NAMED[prefix]! + body.slice(n);
    }
    return whole;
  });
}
