/**
 * The `user` part of a presence state, made by the server from the connection's authenticated
 * identity; whatever a client put there is discarded. Signed-in users appear under their display
 * name and colour; guests (an unsigned cookie, no rights) and anonymous visitors carry a label that
 * says so, and a guest's id is hashed so it cannot be read off presence and replayed as a cookie.
 */
import { createHash } from "node:crypto";
import { cleanDisplayName } from "../accounts/rules";
import { CURSOR_COLORS } from "../accounts/users";
import type { Identity } from "../auth/identity";
import type { PresenceUser } from "./presence-schema";

const HEX_COLOR = /^#[0-9a-f]{6}$/i;
const ANONYMOUS_COLOR = "#a1a1aa";

const hash = (text: string) => createHash("sha256").update(text).digest();

/** A guest's name (from an unsigned cookie): letters, digits and a little punctuation. */
function guestName(name: string): string {
  return name
    .replace(/[^\p{L}\p{N}\p{M} .,'_-]/gu, "")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 40)
    .trim();
}

export function presenceUser(identity: Identity | null, readOnly: boolean): PresenceUser {
  const role = readOnly ? "viewer" : "editor";
  if (!identity)
    return {
      id: "anonymous",
      name: "Anonymous visitor",
      color: ANONYMOUS_COLOR,
      colorLight: `${ANONYMOUS_COLOR}40`,
      role,
      kind: "anonymous",
    };
  const digest = hash(`${identity.kind}:${identity.id}`);
  const color = HEX_COLOR.test(identity.color)
    ? identity.color.toLowerCase()
    : CURSOR_COLORS[digest[0] % CURSOR_COLORS.length];
  const user = identity.kind === "user";
  return {
    id: user ? identity.id : `guest-${digest.toString("hex").slice(0, 16)}`,
    name: user
      ? cleanDisplayName(identity.name, "User")
      : `${guestName(identity.name) || "Guest"} (guest)`,
    color,
    colorLight: `${color}40`,
    role,
    kind: identity.kind,
  };
}
