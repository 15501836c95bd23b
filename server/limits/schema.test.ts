import { describe, expect, expectTypeOf, it } from "vitest";
import fc from "fast-check";
import {
  bool,
  bytes,
  int,
  list,
  measurePayload,
  nullable,
  num,
  obj,
  oneOf,
  optional,
  payloadGuard,
  str,
  type Infer,
} from "./schema";

const startRun = obj({
  experimentId: str({ max: 64, pattern: /^[A-Za-z0-9_-]+$/ }),
  seed: optional(int({ min: 0, max: 2 ** 31 - 1 })),
  model: optional(oneOf("tiny-clip", "clip-vit-base-patch32")),
  lr: optional(num({ min: 0, max: 10 })),
  tags: optional(list(str({ max: 20 }), { max: 3 })),
  image: optional(bytes({ max: 8 })),
  note: nullable(optional(str({ max: 10 }))),
  dry: optional(bool()),
});
const guard = payloadGuard(startRun, { maxBytes: 2048, maxDepth: 6 });

const issue = (payload: unknown) => {
  const r = guard(payload);
  return r.ok ? null : r.issue;
};

describe("schema checks", () => {
  it("accepts a well-formed payload and returns only declared fields", () => {
    const r = guard({
      experimentId: "abc_1",
      seed: 7,
      tags: ["a"],
      image: Buffer.from([1, 2]),
      note: null,
    });
    expect(r).toEqual({
      ok: true,
      value: {
        experimentId: "abc_1",
        seed: 7,
        tags: ["a"],
        image: Buffer.from([1, 2]),
        note: null,
      },
    });
    expectTypeOf<Infer<typeof startRun>>().toEqualTypeOf<{
      experimentId: string;
      seed?: number;
      model?: "tiny-clip" | "clip-vit-base-patch32";
      lr?: number;
      tags?: string[];
      image?: Uint8Array;
      note?: string | null;
      dry?: boolean;
    }>();
  });

  it.each([
    [null, "", "expected an object"],
    [[], "", "expected an object"],
    ["run", "", "expected an object"],
    [{}, "experimentId", "missing"],
    [{ experimentId: "x", extra: 1 }, "extra", "unknown field"],
    [JSON.parse('{"experimentId":"x","__proto__":{"admin":true}}'), "__proto__", "unknown field"],
    [{ experimentId: "../x" }, "experimentId", "invalid format"],
    [{ experimentId: "x".repeat(65) }, "experimentId", "longer than 64"],
    [{ experimentId: 5 }, "experimentId", "expected a string"],
    [{ experimentId: "x", seed: 1.5 }, "seed", "whole number"],
    [{ experimentId: "x", seed: -1 }, "seed", "less than 0"],
    [{ experimentId: "x", seed: "1" }, "seed", "whole number"],
    [{ experimentId: "x", lr: Infinity }, "lr", "finite"],
    [{ experimentId: "x", lr: NaN }, "lr", "finite"],
    [{ experimentId: "x", model: "../../etc" }, "model", "one of"],
    [{ experimentId: "x", tags: ["a", "b", "c", "d"] }, "tags", "more than 3"],
    [{ experimentId: "x", tags: ["a", 1] }, "tags[1]", "expected a string"],
    [{ experimentId: "x", image: Buffer.alloc(9) }, "image", "larger than 8"],
    [{ experimentId: "x", image: "AAAA" }, "image", "binary"],
    [{ experimentId: "x", dry: "yes" }, "dry", "true or false"],
    [
      Object.assign(Object.create({ evil: 1 }) as object, { experimentId: "x" }),
      "",
      "plain object",
    ],
  ])("refuses %j at %s", (payload, path, message) => {
    const got = issue(payload);
    expect(got?.path).toBe(path);
    expect(got?.message).toContain(message);
  });
});

describe("measurePayload", () => {
  it("stops oversized, deep, cyclic and non-data payloads before the shape check", () => {
    expect(issue({ experimentId: "x".repeat(5000) })?.message).toContain("larger than 2048");
    expect(issue({ experimentId: "x", tags: Array(10_000).fill("a") })?.message).toContain(
      "larger than 2048",
    );
    let deep: unknown = {};
    for (let i = 0; i < 10_000; i++) deep = { a: deep };
    expect(issue(deep)?.message).toContain("deeper than 6");
    const cyclic: Record<string, unknown> = { experimentId: "x" };
    cyclic.self = cyclic;
    expect(issue(cyclic)?.message).toContain("itself");
    expect(issue({ experimentId: "x", f: () => 1 })?.message).toContain("function");
    expect(issue({ experimentId: "x", n: 10n })?.message).toContain("bigint");
    expect(issue({ experimentId: "x", d: new Date() })?.message).toContain("non-plain");
  });

  it("counts binary by its bytes", () => {
    const r = measurePayload({ data: Buffer.alloc(1000) }, { maxBytes: 2000, maxDepth: 4 });
    expect(r.ok && r.value).toBeGreaterThanOrEqual(1000);
    expect(measurePayload({ data: Buffer.alloc(3000) }, { maxBytes: 2000, maxDepth: 4 }).ok).toBe(
      false,
    );
  });

  it("never throws and never accepts a value that violates the schema (fuzzed)", () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBigInt: true,
          withDate: true,
          withTypedArray: true,
          withNullPrototype: true,
          withObjectString: true,
          maxDepth: 8,
        }),
        (value) => {
          const r = guard(value);
          if (r.ok) {
            expect(typeof r.value.experimentId).toBe("string");
            expect(
              Object.keys(r.value).every((k) =>
                ["experimentId", "seed", "model", "lr", "tags", "image", "note", "dry"].includes(k),
              ),
            ).toBe(true);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
