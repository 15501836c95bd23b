import { describe, expect, it } from "vitest";
import { changeExtension, outputName, uniqueName } from "./output-name";

describe("outputName", () => {
  it("derives the PNG from the config file when output is a directory", () => {
    expect(outputName("./", "experiments/demo.yaml")).toBe("./demo.png");
    expect(outputName("", "demo.yaml")).toBe("./demo.png");
    expect(outputName("renders/", "a/b/spoon.v2.yaml")).toBe("renders/spoon.v2.png");
  });

  it("adds .png to a name without extension and keeps a full name", () => {
    expect(outputName("out/spoon", "x.yaml")).toBe("out/spoon.png");
    expect(outputName("out/spoon.jpg", "x.yaml")).toBe("out/spoon.jpg");
  });

  it("lets --output name a directory or replace the name", () => {
    expect(outputName("./", "demo.yaml", "/tmp/r/")).toBe("/tmp/r/demo.png");
    expect(outputName("./", "demo.yaml", "/tmp/x.png")).toBe("/tmp/x.png");
  });

  it("names stdin renders output.png", () => {
    expect(outputName("./", null)).toBe("./output.png");
    expect(outputName("imgs/", null)).toBe("imgs/output.png");
  });

  it("changes extensions of the file part only", () => {
    expect(changeExtension("./a.b/demo.png", "yaml")).toBe("./a.b/demo.yaml");
    expect(changeExtension("./a.b/demo", "yaml")).toBe("./a.b/demo.yaml");
  });
});

describe("uniqueName", () => {
  const fs = (names: string[]) => ({
    exists: (p: string) => names.includes(p.slice(p.lastIndexOf("/") + 1)),
    names,
  });

  it("keeps a free name", () => {
    const f = fs([]);
    expect(uniqueName("/d/demo.png", f.exists, f.names)).toBe("/d/demo.png");
  });

  it("numbers after the highest existing number and never overwrites", () => {
    let f = fs(["demo.png"]);
    expect(uniqueName("/d/demo.png", f.exists, f.names)).toBe("/d/demo-1.png");
    f = fs(["demo.png", "demo-1.png", "demo-7.png", "demo-x.png", "demolition-9.png"]);
    expect(uniqueName("/d/demo.png", f.exists, f.names)).toBe("/d/demo-8.png");
    // An existing numbered name continues from its own number.
    f = fs(["demo-3.png"]);
    expect(uniqueName("/d/demo-3.png", f.exists, f.names)).toBe("/d/demo-4.png");
  });
});
