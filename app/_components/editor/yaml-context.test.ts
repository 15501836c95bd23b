import { describe, expect, it } from "vitest";
import { contextAt, keyPathAt } from "./yaml-context";

/** Cursor at the `|` in the text. */
function at(textWithCursor: string) {
  const pos = textWithCursor.indexOf("|");
  return contextAt(textWithCursor.replace("|", ""), pos);
}

describe("contextAt", () => {
  it("top level and nested mappings", () => {
    expect(at("epo|")).toMatchObject({ kind: "key", parent: "", word: "epo" });
    expect(at("init:\n  me|")).toMatchObject({ kind: "key", parent: "init", word: "me" });
    expect(at("init:\n  mean: 1\nep|")).toMatchObject({ kind: "key", parent: "" });
  });

  it("list items, in both indentation styles, counting siblings", () => {
    expect(at("targets:\n  - |")).toMatchObject({ kind: "key", parent: "targets[0]", word: "" });
    expect(at("targets:\n- features:\n  - text: a\n  trans|")).toMatchObject({
      parent: "targets[0]",
      word: "trans",
    });
    const text =
      "targets:\n  - features:\n      - text: a\n    transforms:\n      - noise: 0.1\n      - ran|";
    expect(at(text)).toMatchObject({
      kind: "key",
      parent: "targets[0].transforms[1]",
      word: "ran",
    });
    expect(at("targets:\n  - name: a\n  - name: b\n    batch|")).toMatchObject({
      parent: "targets[1]",
    });
    expect(at("targets:\n- features:\n  - text: a\n  - |")).toMatchObject({
      parent: "targets[0].features[1]",
    });
  });

  it("mapping-valued effects and values", () => {
    expect(at("targets:\n- transforms:\n  - random_rotate:\n      deg|")).toMatchObject({
      parent: "targets[0].transforms[0].random_rotate",
    });
    expect(at("optimizer: sg|")).toMatchObject({ kind: "value", path: "optimizer", word: "sg" });
    expect(at("targets:\n  - select: b|")).toMatchObject({
      kind: "value",
      path: "targets[0].select",
      word: "b",
    });
    expect(at("# a comment |")).toBeNull();
  });

  it("a new key restarts list numbering", () => {
    const text = "targets:\n- features:\n  - text: a\n  - text: b\n- features:\n  - |";
    expect(at(text)).toMatchObject({ parent: "targets[1].features[0]" });
  });
});

describe("keyPathAt", () => {
  it("finds the key under the pointer", () => {
    const text = "targets:\n  - batch_size: 5\n    features:\n      - text: a cat  # hi\n";
    const pos = text.indexOf("text") + 2;
    expect(keyPathAt(text, pos)).toMatchObject({ path: "targets[0].features[0].text" });
    expect(keyPathAt(text, text.indexOf("batch_size"))).toMatchObject({
      path: "targets[0].batch_size",
    });
    expect(keyPathAt(text, text.indexOf("a cat"))).toBeNull();
  });
});
