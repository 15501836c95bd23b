import { describe, expect, it } from "vitest";
import { runCli } from "../testing";

/** Runs `clipig expr …` as a person would. */
const clipig = (...args: string[]) => runCli(["expr", ...args]);

describe("clipig expr", () => {
  // one batch of processes in parallel: each start of tsx costs about a second
  const runs = Promise.all([
    clipig("1+2"),
    clipig("0.1*ti", "--var", "t=0.4"),
    clipig("res[0] * 2 + epoch", "--var", "res=224,200", "--var", "epoch=3", "--kind", "int"),
    clipig("1/(t-0.4)", "--var", "t=0.4"),
    clipig("(1 +"),
    clipig("randint(1, 1000) + random()", "--seed", "7"),
    clipig("randint(1, 1000) + random()", "--seed", "7"),
    clipig("t", "--var", "bogus=1"),
    clipig("sim * 2"),
  ]);

  it("prints the value as JSON and exits 0", async () => {
    const [sum, ti, res] = await runs;
    expect(sum).toEqual({ code: 0, stdout: "3\n", stderr: expect.any(String) });
    expect(ti.stdout).toBe("0.06\n");
    expect(ti.code).toBe(0);
    expect(res.stdout).toBe("451\n");
  });

  it("reports a runtime error with CLIPig's wording on stderr and exits 1", async () => {
    const division = (await runs)[3];
    expect(division.code).toBe(1);
    expect(division.stdout).toBe("");
    expect(division.stderr).toContain(
      "ZeroDivisionError: float division by zero, for expression '1/(t-0.4)', context variables: {'time': 0.4}",
    );
  });

  it("reports a syntax error with a caret under its position", async () => {
    const syntax = (await runs)[4];
    expect(syntax.code).toBe(1);
    expect(syntax.stderr).toContain("  (1 +\n  ^\nSyntaxError: '(' was never closed at 0");
  });

  it("seeds the random functions", async () => {
    const [, , , , , a, b] = await runs;
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    const value = Number(a.stdout);
    expect(value).toBeGreaterThanOrEqual(1);
    expect(value).toBeLessThan(1001);
  });

  it("rejects unknown and missing variables", async () => {
    const [, , , , , , , bogus, missing] = await runs;
    expect(bogus.code).toBe(1);
    expect(bogus.stderr).toContain("unknown variable in --var 'bogus=1'");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("NameError: no value given for variable 'similarity'");
  });
});
