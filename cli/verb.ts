/**
 * What every verb shares: reading its arguments (with `--help` and the usage on a bad one) and
 * reporting a failure as `clipig <verb>: <why>`.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

type Parsed<T extends ParseArgsConfig> = ReturnType<typeof parseArgs<T>>;

/** The message of anything thrown. */
export const messageOf = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/** Writes `clipig <verb>: <why>` (then `usage`, if given) to stderr and returns `exitCode`. */
export function fail(verb: string, why: unknown, exitCode = 1, usage = ""): number {
  process.stderr.write(`clipig ${verb}: ${messageOf(why)}\n${usage}`);
  return exitCode;
}

/**
 * `parseArgs(config)`, or the exit code when the verb has nothing left to do: 0 after printing the
 * usage for `--help`, `badExit` after a bad argument (reported with the usage).
 */
export function parseVerbArgs<const T extends ParseArgsConfig>(
  verb: string,
  usage: string,
  config: T,
  badExit = 1,
): Parsed<T> | number {
  let parsed: Parsed<T>;
  try {
    parsed = parseArgs(config);
  } catch (error) {
    return fail(verb, error, badExit, usage);
  }
  if ((parsed.values as { help?: unknown }).help) {
    process.stdout.write(usage);
    return 0;
  }
  return parsed;
}
