import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { ClipTokenizer, cleanText } from "./tokenizer";
import { htmlUnescape } from "./html";

const DIR = new URL("../../../models/tiny-clip/", import.meta.url);
const reference = JSON.parse(readFileSync(new URL("reference.json", DIR), "utf8")) as {
  tokenizer: { text: string; input_ids: number[] }[];
};
const tokenizer = ClipTokenizer.fromFiles(
  readFileSync(new URL("vocab.json", DIR), "utf8"),
  readFileSync(new URL("merges.txt", DIR), "utf8"),
);

describe("ClipTokenizer", () => {
  it.each(reference.tokenizer.map((t) => [t.text, t.input_ids] as const))(
    "tokenizes %j like transformers",
    (text, ids) => {
      expect(tokenizer.tokenize(text, { truncate: true })).toEqual(ids);
    },
  );

  it("refuses a text longer than the context, stating its token count", () => {
    const long = reference.tokenizer.find((t) => t.text.split(" ").length > 76)!.text;
    expect(() => tokenizer.tokenize(long)).toThrow(/has 80 tokens.*77-token context holds 75/);
    expect(tokenizer.tokenize("spoon ".repeat(75))).toHaveLength(77);
    expect(() => tokenizer.tokenize("spoon ".repeat(76))).toThrow(/76 tokens/);
  });

  it("frames ids with start/end and pads with the end token", () => {
    const row = tokenizer.tokenize("");
    expect(row[0]).toBe(49406);
    expect(row.slice(1).every((id) => id === 49407)).toBe(true);
    expect(tokenizer.encode("<|endoftext|>")).toEqual([49407]);
  });

  it("cleans text like CLIP", () => {
    expect(cleanText("  A\t\tB \n C  ")).toBe("a b c");
    expect(cleanText("&amp;amp; &#x41;&#66; &copy &unknown;")).toBe("& ab © &unknown;");
    expect(cleanText("cafe\u0301")).toBe("café");
    expect(htmlUnescape("&ampx &lt;")).toBe("&x <");
  });
});
