/**
 * Guests: a visitor who is not signed in gets a random id, a display name and a cursor colour in
 * the `clipig_guest` cookie, so presence (avatars, carets) can name them. The cookie is unsigned
 * and carries NO rights: a guest has the role of an anonymous visitor everywhere (`rightsId`).
 * Pure functions without database access, so `proxy.ts` can import them.
 */
import { randomBytes } from "node:crypto";
import { CURSOR_COLORS as COLORS } from "../accounts/users";

export interface Identity {
  id: string;
  name: string;
  color: string;
  kind: "guest" | "user";
  /** Signed-in users: the session the request came with (ending it closes its connections). */
  sessionId?: string;
}

export const GUEST_COOKIE = "clipig_guest";
const ADJECTIVES = ["Curious", "Dreamy", "Bold", "Quiet", "Vivid", "Sly", "Brave", "Lucky"];
const ANIMALS = ["Pig", "Owl", "Fox", "Otter", "Lynx", "Heron", "Moth", "Newt"];

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? "").split(";")) {
    const i = part.indexOf("=");
    if (i < 0) continue;
    const key = part.slice(0, i).trim();
    try {
      out[key] = decodeURIComponent(part.slice(i + 1).trim());
    } catch {
      // a malformed cookie is ignored, not fatal
    }
  }
  return out;
}

const ID = /^[A-Za-z0-9_-]{8,40}$/;
const COLOR = /^#[0-9a-f]{6}$/i;

/** Decodes a guest cookie value; anything malformed yields null (the caller issues a new guest). */
export function decodeGuest(value: string | undefined): Identity | null {
  if (!value) return null;
  try {
    const parsed = JSON.parse(
      Buffer.from(value, "base64url").toString("utf8"),
    ) as Partial<Identity>;
    if (typeof parsed.id !== "string" || !ID.test(parsed.id)) return null;
    const name = typeof parsed.name === "string" ? parsed.name.trim().slice(0, 40) : "";
    const color =
      typeof parsed.color === "string" && COLOR.test(parsed.color) ? parsed.color : COLORS[0];
    return { id: parsed.id, name: name || "Guest", color, kind: "guest" };
  } catch {
    return null;
  }
}

export function encodeGuest(identity: Identity): string {
  return Buffer.from(
    JSON.stringify({ id: identity.id, name: identity.name, color: identity.color }),
  ).toString("base64url");
}

export function newGuest(): Identity {
  const bytes = randomBytes(18);
  const pick = <T>(list: T[], i: number) => list[bytes[i] % list.length];
  return {
    id: `g_${bytes.toString("base64url").slice(0, 20)}`,
    name: `${pick(ADJECTIVES, 0)} ${pick(ANIMALS, 1)}`,
    color: pick(COLORS, 2),
    kind: "guest",
  };
}

/** The guest behind a Cookie header, or null. */
export function guestOf(cookieHeader: string | undefined): Identity | null {
  return decodeGuest(parseCookies(cookieHeader)[GUEST_COOKIE]);
}
