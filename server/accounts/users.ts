/**
 * The user as every other layer sees it. Rows are read with `USER_SELECT`, which names the public
 * columns only, so a password hash cannot leak into a DTO by a forgotten `select`.
 */
import { createHash } from "node:crypto";

export interface UserDto {
  id: string;
  username: string;
  displayName: string;
  color: string;
}

export const USER_SELECT = { id: true, username: true, displayName: true, color: true } as const;

export function userDto(row: UserDto): UserDto {
  return { id: row.id, username: row.username, displayName: row.displayName, color: row.color };
}

/** Cursor and avatar colours, shared by accounts and guests. */
export const CURSOR_COLORS = [
  "#f472b6",
  "#60a5fa",
  "#34d399",
  "#fbbf24",
  "#a78bfa",
  "#f87171",
  "#22d3ee",
  "#a3e635",
];

/** A stable cursor colour per username. */
export function colorFor(username: string): string {
  return CURSOR_COLORS[createHash("sha256").update(username).digest()[0] % CURSOR_COLORS.length];
}
