import { describe, expect, it } from "vitest";
import { CLOSE } from "@/server/collab/types";
import { closeMessage } from "./close-message";

describe("closeMessage", () => {
  it("says in plain words why the shared text stopped syncing, naming the limit", () => {
    expect(
      closeMessage({
        code: CLOSE.documentTooLarge.code,
        reason: "document too large: the text may hold at most 64 KiB",
      }),
    ).toBe(
      "Your last change was not saved: it would make this experiment bigger than the server allows " +
        "(the text may hold at most 64 KiB). Reload to go on from the saved text; shorten it, or " +
        "move parts into a new experiment.",
    );
    expect(closeMessage({ code: CLOSE.rateLimited.code, reason: "" })).toMatch(/faster than/);
    expect(closeMessage({ code: 4499, reason: "odd" })).toBe(
      "The connection to the shared text was closed (odd). Reload to reconnect.",
    );
  });
});
