import { describe, expect, it } from "vitest";
import {
  cleanDisplayName,
  normalizeUsername,
  passwordProblem,
  PASSWORD_MAX,
  usernameProblem,
} from "./rules";

describe("username rules", () => {
  it("normalises case, width and surrounding space", () => {
    expect(normalizeUsername("  Alice ")).toBe("alice");
    expect(normalizeUsername("ＡＬＩＣＥ")).toBe("alice"); // fullwidth letters fold to ASCII (NFKC)
  });

  it.each(["alice", "bob_2", "a-b", "abc", "x".repeat(32)])("accepts %s", (name) => {
    expect(usernameProblem(name)).toBeNull();
  });

  it.each([
    ["ab", "characters"],
    ["x".repeat(33), "characters"],
    ["1alice", "start with a letter"],
    ["al ice", "may contain"],
    ["alice.b", "may contain"],
    ["аlice", "may contain"], // Cyrillic а
    ["g_abcdefgh", "reserved"],
    ["admin", "reserved"],
  ])("refuses %s", (name, why) => {
    expect(usernameProblem(name)).toContain(why);
  });
});

describe("password rules", () => {
  it("accepts a long passphrase of any characters", () => {
    expect(passwordProblem("correct horse battery staple", "alice")).toBeNull();
    expect(passwordProblem("ünïcødé pässwörd ✓", "alice")).toBeNull();
  });

  it.each([
    ["short1234", "at least"],
    ["x".repeat(PASSWORD_MAX + 1), "at most"],
    ["my-alice-password", "username"],
    ["aaaaaaaaaaaaaa", "different characters"],
    ["Password123", "common"],
  ])("refuses %s", (pw, why) => {
    expect(passwordProblem(pw, "alice")).toContain(why);
  });

  it("counts characters, not UTF-16 units", () => {
    expect(passwordProblem("🐷🐸🐹🐺🐻🐼🐽🐾🐿", "alice")).toContain("at least"); // 9 emoji = 18 units
  });
});

describe("display names", () => {
  it("drops control and bidi characters and falls back when empty", () => {
    expect(cleanDisplayName("Al\u202eice\u0000", "alice")).toBe("Alice");
    expect(cleanDisplayName("   ", "alice")).toBe("alice");
    expect([...cleanDisplayName("x".repeat(100), "a")].length).toBe(40);
  });
});
