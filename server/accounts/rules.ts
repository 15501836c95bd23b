/**
 * What a username and a password may be. Usernames are ASCII, lower case after normalisation, so
 * look-alike and case-variant names cannot impersonate each other; `g_…` stays reserved for the
 * guest rows (`server/auth/identity.ts` ids). Passwords follow NIST 800-63B: long rather than
 * "complex", any characters, a cap that bounds hashing work, and no well-known ones.
 */

export const USERNAME_MIN = 3;
export const USERNAME_MAX = 32;
export const PASSWORD_MIN = 10;
/** Characters; bounds the work one sign-in attempt can cause. */
export const PASSWORD_MAX = 256;

const USERNAME = /^[a-z][a-z0-9_-]*$/;
const RESERVED = new Set([
  "admin",
  "administrator",
  "root",
  "system",
  "guest",
  "anonymous",
  "nobody",
  "owner",
  "support",
  "api",
  "app",
  "e",
  "r",
  "new",
  "me",
  "settings",
  "account",
  "login",
  "logout",
  "signin",
  "signout",
  "signup",
  "register",
  "yjs",
  "socket",
  "static",
  "public",
  "null",
  "undefined",
]);
const COMMON_PASSWORDS = new Set([
  "1234567890",
  "0123456789",
  "12345678910",
  "1111111111",
  "0000000000",
  "qwertyuiop",
  "password12",
  "password123",
  "password1234",
  "passw0rd123",
  "iloveyou12",
  "abcdefghij",
  "abcd1234567",
  "letmein123",
  "welcome123",
  "qwerty1234",
  "qwerty12345",
  "1q2w3e4r5t",
  "zxcvbnm123",
  "administrator",
  "changeme123",
]);

/** Trimmed, NFKC-folded, lower case: the form stored and looked up. */
export function normalizeUsername(raw: string): string {
  return raw.normalize("NFKC").trim().toLowerCase();
}

/** Why a (normalised) username is not acceptable, or null. */
export function usernameProblem(username: string): string | null {
  if (username.length < USERNAME_MIN || username.length > USERNAME_MAX) {
    return `Username must be ${USERNAME_MIN} to ${USERNAME_MAX} characters`;
  }
  if (!USERNAME.test(username)) {
    return "Username may contain a–z, 0–9, '_' and '-', and must start with a letter";
  }
  if (username.startsWith("g_") || RESERVED.has(username)) return "This username is reserved";
  return null;
}

/** Why a password is not acceptable for this username, or null. */
export function passwordProblem(password: string, username: string): string | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN) return `Password must be at least ${PASSWORD_MIN} characters`;
  if (length > PASSWORD_MAX) return `Password must be at most ${PASSWORD_MAX} characters`;
  const folded = password.toLowerCase();
  if (folded.includes(username)) return "Password must not contain the username";
  if (new Set(password).size < 4) return "Password needs more than three different characters";
  if (COMMON_PASSWORDS.has(folded)) return "This password is too common";
  return null;
}

/** Display names: visible text, no control characters, at most 40 characters. */
export function cleanDisplayName(raw: string | undefined, fallback: string): string {
  const text = (raw ?? "")
    .normalize("NFKC")
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069]/g, "")
    .trim();
  return [...text].slice(0, 40).join("") || fallback;
}
