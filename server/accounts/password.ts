/**
 * Password hashing with Argon2id (OWASP's first choice: 19 MiB, 2 passes, 1 lane), in PHC strings,
 * so parameters can be raised later and old hashes upgraded at the next sign-in (`needsRehash`).
 * Hashing runs on libuv's thread pool, off the event loop.
 */
import { hash, parseOptions, verify, type Algorithm, type Options } from "@node-rs/argon2";
import { randomBytes } from "node:crypto";

/** `Algorithm.Argon2id`: a const enum, which isolatedModules cannot read from a .d.ts. */
const ARGON2ID = 2 as Algorithm;

export const HASH_OPTIONS: Readonly<Options> = {
  algorithm: ARGON2ID,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
};

export function hashPassword(password: string): Promise<string> {
  return hash(password, HASH_OPTIONS);
}

/** False for a wrong password and for a malformed stored hash (never throws on bad rows). */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;

/**
 * A hash of a random secret with the current parameters. Sign-in verifies against it when the
 * username is unknown, so an unknown name costs the same time as a wrong password.
 */
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword(randomBytes(32).toString("base64url"));
  return dummy;
}

/** Whether a stored hash was made with weaker or other parameters than today's. */
export function needsRehash(stored: string): boolean {
  try {
    const o = parseOptions(stored);
    return (
      o.algorithm !== ARGON2ID ||
      o.memoryCost < (HASH_OPTIONS.memoryCost ?? 0) ||
      o.timeCost < (HASH_OPTIONS.timeCost ?? 0) ||
      o.parallelism !== HASH_OPTIONS.parallelism
    );
  } catch {
    return true;
  }
}
