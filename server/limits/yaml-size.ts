/**
 * The one limit on an experiment's text, wherever it is written: the shared document (each Yjs
 * update, `server/collab/document-limit.ts`), the server actions (create, fork, revisions) and the
 * text a run pins. UTF-8 bytes, `CLIPIG_MAX_YAML_BYTES` from the quota table (default 64 KiB).
 */
import { quotasFromEnv } from "./quotas";

let configured: number | undefined;

/** The configured limit, read from the environment once. */
export function maxYamlBytes(): number {
  return (configured ??= quotasFromEnv().maxYamlBytes);
}

export const utf8Bytes = (text: string): number => Buffer.byteLength(text, "utf8");

/** "64 KiB" for whole KiB, else bytes. */
export const formatBytes = (n: number): string =>
  n >= 1024 && n % 1024 === 0 ? `${n / 1024} KiB` : `${n} bytes`;

/** A message a person can act on when `text` is over the limit; null when it fits. */
export function yamlSizeIssue(text: string, limit: number = maxYamlBytes()): string | null {
  const bytes = utf8Bytes(text);
  return bytes > limit
    ? `The experiment text is ${formatBytes(bytes)}; this server allows at most ${formatBytes(limit)}`
    : null;
}

/** Thrown by a write path handed a text over the limit (the checks before it should have refused). */
export class YamlTooLarge extends Error {
  constructor(
    message: string,
    readonly where: string,
  ) {
    super(`${where}: ${message}`);
    this.name = "YamlTooLarge";
  }
}

/** Throws `YamlTooLarge` naming `where` when `text` is over the limit. */
export function assertYamlSize(text: string, where: string, limit?: number): void {
  const issue = yamlSizeIssue(text, limit);
  if (issue) throw new YamlTooLarge(issue, where);
}
