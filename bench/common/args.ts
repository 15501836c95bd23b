/**
 * The benches' command line: `--name value` pairs after the script (a flag always takes a value,
 * so `--strict 1`, not `--strict`). Unknown names are ignored, as each script reads only its own.
 */
export interface BenchArgs {
  has(name: string): boolean;
  get(name: string): string | undefined;
  /** A number, `fallback` when the flag is absent. */
  num(name: string, fallback: number): number;
  /** The numbers a bench takes, by flag name: each its default when the flag is absent. */
  nums<K extends string>(defaults: Readonly<Record<K, number>>): Record<K, number>;
  /** A comma-separated list, `fallback` (also comma-separated) when the flag is absent. */
  list(name: string, fallback: string): string[];
}

export function benchArgs(argv: readonly string[] = process.argv.slice(2)): BenchArgs {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) args.set(argv[i].replace(/^--/, ""), argv[i + 1]);
  return {
    has: (name) => args.has(name),
    get: (name) => args.get(name),
    num: (name, fallback) => Number(args.get(name) ?? fallback),
    nums: (defaults) => {
      const out = { ...defaults } as Record<keyof typeof defaults, number>;
      for (const name of Object.keys(defaults) as (keyof typeof defaults)[])
        out[name] = Number(args.get(name) ?? defaults[name]);
      return out;
    },
    list: (name, fallback) => (args.get(name) ?? fallback).split(",").filter(Boolean),
  };
}
