/**
 * `clipig` entry: dispatches the first argument to `cli/commands/<verb>.ts`.
 * Each command module default-exports a `Command`; adding a verb means adding one file and one row.
 */
import type { Command } from "./command";

const VERBS = ["validate", "expr", "models", "doctor", "rate", "render", "views"] as const;
type Verb = (typeof VERBS)[number];

const COMMANDS = Object.fromEntries(
  VERBS.map((verb) => [verb, () => import(`./commands/${verb}`) as Promise<{ default: Command }>]),
) as Record<Verb, () => Promise<{ default: Command }>>;

function usage(): string {
  return (
    `usage: clipig <command> [options]\n\ncommands: ${Object.keys(COMMANDS).join(", ")}\n\n` +
    "render and rate take CLIPig's flags too (render -lr/-opt/-r W H/-v/-d cuda:N, rate -i/-tf/-if/-c);\n" +
    "clipig <command> --help lists both spellings.\n"
  );
}

async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (!verb || verb === "-h" || verb === "--help") {
    process.stdout.write(usage());
    return verb ? 0 : 1;
  }
  const load = (VERBS as readonly string[]).includes(verb) ? COMMANDS[verb as Verb] : undefined;
  if (!load) {
    process.stderr.write(`clipig: unknown command '${verb}'\n${usage()}`);
    return 1;
  }
  let command: Command;
  try {
    command = (await load()).default;
  } catch (e) {
    process.stderr.write(`clipig: command '${verb}' is not available: ${(e as Error).message}\n`);
    return 1;
  }
  return command.run(rest);
}

process.exitCode = await main(process.argv.slice(2));
