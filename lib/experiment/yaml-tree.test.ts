import { afterEach, describe, expect, it, vi } from "vitest";
import { Alias } from "yaml";
import { readYaml, type TreeNode, type VisitCounter } from "./yaml-tree";

/** The tree as plain values (maps as [key, value] lists: order and duplicates matter). */
const plain = (n: TreeNode): unknown =>
  n.kind === "scalar"
    ? "value" in n.value
      ? n.value.value
      : null
    : n.kind === "seq"
      ? n.items.map(plain)
      : n.entries.map((e) => [e.key, plain(e.value)]);

const read = (text: string) => {
  const r = readYaml(text);
  return { tree: r.tree && plain(r.tree), messages: r.diagnostics.map((d) => d.message) };
};

/** Visits for a document with `n` aliases, and the calls to the library's per-alias scan. */
function work(doc: (n: number) => string, n: number) {
  const counter: VisitCounter = { visits: 0 };
  const resolve = vi.spyOn(Alias.prototype, "resolve");
  const r = readYaml(doc(n), undefined, undefined, counter);
  const calls = resolve.mock.calls.length;
  resolve.mockRestore();
  expect(r.diagnostics).toEqual([]);
  return { visits: counter.visits, resolveCalls: calls };
}

describe("anchors and aliases as PyYAML reads them", () => {
  it("an alias takes the last anchor of its name before it", () => {
    expect(read("[&a 1, *a, &a 2, *a, {k: &a x}, *a]\n").tree).toEqual([
      1,
      1,
      2,
      2,
      [["k", "x"]],
      "x",
    ]);
  });

  it("an alias before its anchor is unknown, with its position", () => {
    const r = readYaml("a: *b\nb: &b 1\n");
    expect(r.tree).toBeNull();
    expect(r.diagnostics.map((d) => [d.message, d.line, d.column])).toEqual([
      ["unknown alias '*b'", 1, 4],
    ]);
  });

  it("aliases of collections copy them; merges keep own keys first and earlier maps", () => {
    const yaml = [
      "a: &a {x: 1, y: 2}",
      "b: &b {y: 3, z: 4}",
      "c: {<<: [*a, *b], x: 9}",
      "d: [*a, *a]",
    ].join("\n");
    expect(read(yaml).tree).toEqual([
      [
        "a",
        [
          ["x", 1],
          ["y", 2],
        ],
      ],
      [
        "b",
        [
          ["y", 3],
          ["z", 4],
        ],
      ],
      [
        "c",
        [
          ["y", 2],
          ["z", 4],
          ["x", 9],
        ],
      ],
      [
        "d",
        [
          [
            ["x", 1],
            ["y", 2],
          ],
          [
            ["x", 1],
            ["y", 2],
          ],
        ],
      ],
    ]);
  });
});

describe("reading is linear in the document (finding 10.3: 14 000 aliases took 11.6 s)", () => {
  const aliases = (n: number) => "a: &a 1\nb: [" + Array(n).fill("*a").join(",") + "]\n";
  const anchorsAndAliases = (n: number) =>
    "- [" +
    Array.from({ length: n }, (_, i) => `&k${i} ${i}`).join(",") +
    "]\n- [" +
    Array.from({ length: n }, (_, i) => `*k${n - 1 - i}`).join(",") +
    "]\n";
  const merges = (n: number) => {
    const keys = Array.from({ length: n }, (_, i) => `k${i}: ${i}`).join(", ");
    return `base: &b {${keys}}\nover: {<<: [*b, *b, *b], ${keys}}\n`;
  };

  // sizes stay under the 20 000-node cap at twice the input
  for (const [name, doc, n] of [
    ["one anchor, many aliases", aliases, 4000],
    ["many anchors, many aliases", anchorsAndAliases, 3000],
    ["merges of a wide map", merges, 500],
  ] as const) {
    it(`${name}: twice the input, at most 2.5× the visits, no per-alias scan`, () => {
      const small = work(doc, n);
      const large = work(doc, 2 * n);
      expect(small.visits).toBeGreaterThan(n);
      expect(large.visits / small.visits).toBeLessThanOrEqual(2.5);
      // `Alias.resolve` walks the whole document once per alias: that was the quadratic part
      expect(small.resolveCalls + large.resolveCalls).toBe(0);
    });
  }

  it("the finding's 14 000 aliases in 42 KB end in the node cap's diagnostic", () => {
    const text = "a: &a 1\nb: [" + Array(14_000).fill("*a").join(",") + "]\n";
    expect(text.length).toBeLessThan(43_000);
    const counter: VisitCounter = { visits: 0 };
    const r = readYaml(text, undefined, undefined, counter);
    expect(r.diagnostics.map((d) => [d.message, d.line])).toEqual([
      ["YAML too large after expanding aliases (more than 20000 nodes)", 1],
    ]);
    // one pass over the ~14 000 parsed nodes, then the build stops at the cap
    expect(counter.visits).toBeLessThan(14_010 + 20_001);
  });
});

afterEach(() => vi.restoreAllMocks());
