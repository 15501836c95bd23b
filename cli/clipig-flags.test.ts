import { describe, expect, it } from "vitest";
import { expandClipigFlags } from "./clipig-flags";

const FLAGS = {
  aliases: { "-lr": "--learnrate", "-tf": "--text-file" },
  numberLists: { "-r": "--resolution" },
};

describe("CLIPig's flag spellings", () => {
  it("rewrites multi-letter short flags and argparse's nargs='+' numbers", () => {
    expect(
      expandClipigFlags(["a.yaml", "-lr", "0.5", "-r", "512", "256", "b.yaml"], FLAGS),
    ).toEqual(["a.yaml", "--learnrate", "0.5", "--resolution=512,256", "b.yaml"]);
    expect(expandClipigFlags(["-r", "64", "x.yaml"], FLAGS)).toEqual(["--resolution=64", "x.yaml"]);
    // Our own spellings and values after `--` stay.
    expect(expandClipigFlags(["-r", "64,32", "-tf", "t.txt", "--", "-lr"], FLAGS)).toEqual([
      "--resolution",
      "64,32",
      "--text-file",
      "t.txt",
      "--",
      "-lr",
    ]);
  });
});
