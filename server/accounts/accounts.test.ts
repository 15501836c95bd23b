import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { closeDb, db } from "../db/client";
import { changePassword, findUser, signIn, signOut, signUp } from "./accounts";
import { AccountError } from "./errors";
import { onAccessRevoked, type AccessRevoked } from "./events";
import {
  clearSessionCookie,
  resolveSession,
  resolveToken,
  revokeAllSessions,
  revokeSession,
  sessionCookie,
  sessionPolicy,
} from "./sessions";
import { useTempDatabase } from "./testing";

const PW = "correct horse battery";
const policy = { ttlMs: 60_000, refreshEveryMs: 10_000 };

beforeAll(async () => {
  await useTempDatabase("accounts");
});
afterAll(async () => {
  await closeDb();
});

async function failure(p: Promise<unknown>): Promise<AccountError> {
  const error = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AccountError);
  return error as AccountError;
}

describe("sign up and sign in", () => {
  it("stores an Argon2id hash, never the password, and returns a DTO without it", async () => {
    const { user, token } = await signUp({
      username: "Alice",
      password: PW,
      displayName: "Alice A.",
    });
    expect(Object.keys(user).sort()).toEqual(["color", "displayName", "id", "username"]);
    expect(user.username).toBe("alice");
    const row = await db().user.findUniqueOrThrow({ where: { id: user.id } });
    expect(row.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(row.passwordHash).not.toContain(PW);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await findUser("ALICE")).toEqual(user);
  });

  it("refuses a taken username in any case, and bad names and passwords", async () => {
    expect((await failure(signUp({ username: "ALICE", password: PW }))).code).toBe(
      "username_taken",
    );
    expect((await failure(signUp({ username: "g_guestname", password: PW }))).code).toBe(
      "invalid_username",
    );
    expect((await failure(signUp({ username: "carol", password: "short" }))).code).toBe(
      "invalid_password",
    );
    expect(await db().user.count({ where: { username: "carol" } })).toBe(0);
  });

  it("two sign-ups racing for one name: exactly one wins", async () => {
    const results = await Promise.allSettled([
      signUp({ username: "dora", password: PW }),
      signUp({ username: "DORA", password: PW }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const lost = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect((lost.reason as AccountError).code).toBe("username_taken");
    expect(await db().user.count({ where: { username: "dora" } })).toBe(1);
  });

  it("signs in with the right password, case-insensitively on the username", async () => {
    const { user, token } = await signIn({ username: " alice", password: PW });
    expect(user.username).toBe("alice");
    expect((await resolveToken(token))?.user).toEqual(user);
  });

  it("answers an unknown user, a guest row and a wrong password alike, each after a full hash verification", async () => {
    await db().user.create({
      data: { id: "g_guest_without_pw", username: "g_guest_without_pw", displayName: "Guest" },
    });
    // CPU time (Argon2 runs on libuv's threads, which process.cpuUsage counts): unlike wall time
    // it does not swing with other work on a shared machine.
    const time = async (username: string, password: string) => {
      const cpu = process.cpuUsage();
      const e = await failure(signIn({ username, password }));
      const used = process.cpuUsage(cpu);
      return { cpuMs: (used.user + used.system) / 1000, code: e.code, message: e.message };
    };
    await time("nobody-here", PW); // warm the dummy hash
    const wrong = [await time("alice", "wrong password!"), await time("alice", "wrong password?")];
    const unknown = [await time("nobody-here", PW), await time("nobody-else", PW)];
    const guest = await time("g_guest_without_pw", "");
    const tooLong = await time("alice", "x".repeat(10_000));
    for (const r of [...unknown, guest, tooLong]) {
      expect({ code: r.code, message: r.message }).toEqual({
        code: wrong[0].code,
        message: wrong[0].message,
      });
    }
    expect(wrong[0].code).toBe("bad_credentials");
    // An Argon2id verification (19 MiB, 2 passes) costs 10–40 ms of CPU here (more under memory
    // contention); an early return costs well under one. A fixed floor separates the two without
    // depending on how busy the machine was during the reference measurement.
    for (const r of [...wrong, ...unknown, guest, tooLong]) expect(r.cpuMs).toBeGreaterThan(5);
  });
});

describe("sessions", () => {
  it("keeps only the SHA-256 of the token in the database", async () => {
    const { token, sessionId } = await signIn({ username: "alice", password: PW });
    const row = await db().session.findUniqueOrThrow({ where: { id: sessionId } });
    expect(row.tokenHash).toBe(createHash("sha256").update(token).digest("hex"));
    const dump = JSON.stringify(await db().session.findMany());
    expect(dump).not.toContain(token);
  });

  it("resolves the cookie header, ignores other cookies and malformed tokens", async () => {
    const { token, user } = await signIn({ username: "alice", password: PW });
    expect((await resolveSession(`a=1; clipig_session=${token}; b=%zz`))?.user).toEqual(user);
    expect((await resolveSession(`__Host-clipig_session=${token}`))?.user).toEqual(user);
    expect(await resolveSession(`clipig_session=${token.slice(1)}`)).toBeNull();
    expect(await resolveSession(`clipig_session=${"A".repeat(43)}`)).toBeNull();
    expect(await resolveSession(undefined)).toBeNull();
    expect(await resolveSession("")).toBeNull();
  });

  it("expires, and slides forward when used after a while", async () => {
    const { token, sessionId } = await signIn({ username: "alice", password: PW }, policy);
    const fresh = await resolveToken(token, policy);
    expect(fresh?.session.refreshed).toBe(false);
    // 30 s of the 60 s lifetime used: the next use extends it to a full lifetime
    await db().session.update({
      where: { id: sessionId },
      data: { expiresAt: new Date(Date.now() + 30_000) },
    });
    const slid = await resolveToken(token, policy);
    expect(slid?.session.refreshed).toBe(true);
    expect(slid!.session.expiresAt.getTime()).toBeGreaterThan(Date.now() + 55_000);
    const stored = await db().session.findUniqueOrThrow({ where: { id: sessionId } });
    expect(stored.expiresAt.getTime()).toBe(slid!.session.expiresAt.getTime());
    await db().session.update({
      where: { id: sessionId },
      data: { expiresAt: new Date(Date.now() - 1) },
    });
    expect(await resolveToken(token, policy)).toBeNull();
  });

  it("signs out one session and tells the live layers", async () => {
    const events: AccessRevoked[] = [];
    const off = onAccessRevoked((e) => events.push(e));
    const a = await signIn({ username: "alice", password: PW });
    const b = await signIn({ username: "alice", password: PW });
    await signOut(a.token);
    off();
    expect(await resolveToken(a.token)).toBeNull();
    expect(await resolveToken(b.token)).not.toBeNull();
    expect(events).toEqual([{ kind: "sessions", userId: a.user.id, sessionIds: [a.sessionId] }]);
    await signOut(a.token); // twice is harmless
    expect(await revokeSession("someone-else", b.sessionId)).toBe(false); // only the owner's own sessions
    expect(await resolveToken(b.token)).not.toBeNull();
  });

  it("signs out everywhere", async () => {
    const a = await signIn({ username: "alice", password: PW });
    const b = await signIn({ username: "alice", password: PW });
    const events: AccessRevoked[] = [];
    const off = onAccessRevoked((e) => events.push(e));
    const n = await revokeAllSessions(a.user.id, b.sessionId);
    off();
    expect(n).toBeGreaterThanOrEqual(1);
    expect(await resolveToken(a.token)).toBeNull();
    expect(await resolveToken(b.token)).not.toBeNull();
    expect(events[0].kind === "sessions" && events[0].sessionIds).toContain(a.sessionId);
  });

  it("a password change keeps the current session and ends the others", async () => {
    const a = await signIn({ username: "alice", password: PW });
    const b = await signIn({ username: "alice", password: PW });
    expect(
      (await failure(changePassword(a.user.id, "not the password", "new passphrase here"))).code,
    ).toBe("bad_credentials");
    await changePassword(a.user.id, PW, "new passphrase here", a.sessionId);
    expect(await resolveToken(a.token)).not.toBeNull();
    expect(await resolveToken(b.token)).toBeNull();
    expect((await failure(signIn({ username: "alice", password: PW }))).code).toBe(
      "bad_credentials",
    );
    expect(
      (await signIn({ username: "alice", password: "new passphrase here" })).user.username,
    ).toBe("alice");
  });

  it("reads its lifetime from CLIPIG_SESSION_DAYS, refusing nonsense", () => {
    expect(sessionPolicy({})).toEqual({ ttlMs: 30 * 86_400_000, refreshEveryMs: 86_400_000 });
    expect(sessionPolicy({ CLIPIG_SESSION_DAYS: "7" })).toEqual({
      ttlMs: 7 * 86_400_000,
      refreshEveryMs: 60_480_000,
    });
    expect(() => sessionPolicy({ CLIPIG_SESSION_DAYS: "forever" })).toThrow(/CLIPIG_SESSION_DAYS/);
    expect(() => sessionPolicy({ CLIPIG_SESSION_DAYS: "-1" })).toThrow(/CLIPIG_SESSION_DAYS/);
  });

  it("builds cookies that scripts cannot read and other sites do not send on subrequests", () => {
    const token = "A".repeat(43);
    expect(sessionCookie(token, { secure: false, maxAgeSeconds: 60 })).toBe(
      `clipig_session=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=60`,
    );
    const secure = sessionCookie(token, { secure: true });
    expect(secure).toMatch(
      /^__Host-clipig_session=A{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=2592000; Secure$/,
    );
    expect(clearSessionCookie({ secure: true })).toContain("Max-Age=0");
    expect(() => sessionCookie("x; Domain=evil.example", { secure: false })).toThrow();
  });
});
