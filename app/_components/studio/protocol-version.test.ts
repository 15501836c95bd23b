import { describe, expect, it } from "vitest";
import { PROTOCOL_VERSION } from "@/server/realtime/protocol";
import { protocolMismatch } from "./protocol-version";

describe("protocolMismatch", () => {
  it("accepts a greeting with this build's version", () => {
    expect(protocolMismatch({ protocol: PROTOCOL_VERSION, server: "clipig-studio" })).toBe(false);
    expect(protocolMismatch({ protocol: 7, server: "clipig-studio" }, 7)).toBe(false);
  });

  it("flags a server one version ahead or behind (a deploy while the tab was open)", () => {
    expect(protocolMismatch({ protocol: PROTOCOL_VERSION + 1, server: "clipig-studio" })).toBe(
      true,
    );
    expect(protocolMismatch({ protocol: 2 }, 3)).toBe(true);
    expect(protocolMismatch({ protocol: 4 }, 3)).toBe(true);
  });

  it("flags a greeting it cannot read", () => {
    for (const hello of [
      undefined,
      null,
      "1",
      {},
      { protocol: "1" },
      { protocol: 1.5 },
      { protocol: NaN },
    ]) {
      expect(protocolMismatch(hello, 1), JSON.stringify(hello)).toBe(true);
    }
  });
});
