/**
 * A download's file name from an experiment's title: lower-case letters, digits and dashes, at most
 * 60 characters, never empty. Pure, so the studio (browser) and the download routes (server) agree.
 */
export function fileName(title: string, ext: string): string {
  const base = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 60);
  return `${base || "clipig"}.${ext}`;
}
