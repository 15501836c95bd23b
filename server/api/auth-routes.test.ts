import { describe, expect, it } from "vitest";
import { authLimitsFromEnv, DEFAULT_AUTH_LIMITS } from "./auth-routes";

describe("authLimitsFromEnv", () => {
  it("defaults: 10 a minute per (address, username), 60 per address, 30 sign-ups an hour", () => {
    expect(DEFAULT_AUTH_LIMITS.signInPerAccount).toEqual({ perSecond: 10 / 60, burst: 10 });
    expect(DEFAULT_AUTH_LIMITS.signInPerAddress).toEqual({ perSecond: 1, burst: 60 });
    expect(DEFAULT_AUTH_LIMITS.signUp).toEqual({ perSecond: 30 / 3600, burst: 5 });
  });

  it("reads each variable and names a malformed one", () => {
    const limits = authLimitsFromEnv({
      CLIPIG_SIGNIN_ATTEMPTS_PER_MINUTE: "5",
      CLIPIG_SIGNIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE: "120",
    });
    expect(limits.signInPerAccount.burst).toBe(5);
    expect(limits.signInPerAddress).toEqual({ perSecond: 2, burst: 120 });
    for (const name of [
      "CLIPIG_SIGNIN_ATTEMPTS_PER_MINUTE",
      "CLIPIG_SIGNIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE",
      "CLIPIG_SIGNUPS_PER_HOUR",
    ])
      for (const bad of ["0", "-3", "many"])
        expect(() => authLimitsFromEnv({ [name]: bad })).toThrow(new RegExp(name));
  });
});
