/**
 * Input checks for everything that writes: pages' actions and route handlers call these before
 * touching the database. Each returns a clean value or a message a person can act on.
 */
import { maxYamlBytes, yamlSizeIssue } from "../limits/yaml-size";

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

const ID = /^[A-Za-z0-9_-]{1,64}$/;
export const VISIBILITIES = ["public", "unlisted", "private"] as const;
export type Visibility = (typeof VISIBILITIES)[number];

/**
 * UTF-8 bytes of YAML: `CLIPIG_MAX_YAML_BYTES` (64 KiB), the one limit the shared document,
 * revisions and runs enforce too. Far more than any experiment needs; keeps rows and Yjs docs small.
 */
export const MAX_YAML = maxYamlBytes();

export function checkId(value: unknown, what = "id"): Checked<string> {
  return typeof value === "string" && ID.test(value)
    ? { ok: true, value }
    : { ok: false, message: `${what} must be 1-64 letters, digits, _ or -` };
}

export function checkTitle(value: unknown): Checked<string> {
  const title = typeof value === "string" ? value.replace(/\s+/g, " ").trim() : "";
  if (!title) return { ok: false, message: "Give it a title" };
  if (title.length > 120) return { ok: false, message: "A title has at most 120 characters" };
  return { ok: true, value: title };
}

export function checkRevisionName(value: unknown): Checked<string> {
  const name = typeof value === "string" ? value.replace(/\s+/g, " ").trim() : "";
  if (!name) return { ok: false, message: "Name the revision" };
  if (name.length > 80) return { ok: false, message: "A revision name has at most 80 characters" };
  return { ok: true, value: name };
}

export function checkYaml(value: unknown): Checked<string> {
  if (typeof value !== "string") return { ok: false, message: "The experiment text is missing" };
  const tooLarge = yamlSizeIssue(value, MAX_YAML);
  return tooLarge ? { ok: false, message: tooLarge } : { ok: true, value };
}

export function checkVisibility(value: unknown): Checked<Visibility> {
  return (VISIBILITIES as readonly unknown[]).includes(value)
    ? { ok: true, value: value as Visibility }
    : { ok: false, message: `Visibility is one of ${VISIBILITIES.join(", ")}` };
}

/** Gallery query from URL search params: never throws, clamps everything. */
export interface GalleryQuery {
  q: string;
  sort: "newest" | "forks";
  page: number;
}

export function galleryQuery(params: Record<string, string | string[] | undefined>): GalleryQuery {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? "";
  const page = Number.parseInt(first(params.page), 10);
  return {
    q: first(params.q).trim().slice(0, 100),
    sort: first(params.sort) === "forks" ? "forks" : "newest",
    page: Number.isFinite(page) && page > 0 ? Math.min(page, 10_000) : 1,
  };
}
