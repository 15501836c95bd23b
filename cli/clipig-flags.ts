/**
 * CLIPig's own spellings on our command lines. Python's argparse takes multi-letter short flags
 * (`-lr`, `-opt`, `-tf`, `-if`) and `nargs="+"` (`-r 512 256`); Node's parseArgs reads `-lr` as
 * `-l -r` and one value per flag, so those tokens are rewritten to our long options first.
 */

export interface ClipigFlags {
  /** Exact tokens and the long option they stand for, e.g. `{ "-lr": "--learnrate" }`. */
  readonly aliases?: Readonly<Record<string, string>>;
  /**
   * Options taking one or two numbers (argparse `nargs="+"`): `-r 512 256` becomes
   * `--resolution=512,256`. Keys are the spellings, values the long option.
   */
  readonly numberLists?: Readonly<Record<string, string>>;
}

const NUMBER = /^-?\d+(\.\d+)?$/;

/** `args` with CLIPig's spellings replaced by ours; everything else is left as it is. */
export function expandClipigFlags(args: readonly string[], flags: ClipigFlags): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      out.push(...args.slice(i));
      break;
    }
    const list = flags.numberLists?.[arg];
    if (list !== undefined) {
      const values: string[] = [];
      while (values.length < 2 && i + 1 < args.length && NUMBER.test(args[i + 1]!))
        values.push(args[++i]!);
      // No number after it: leave the value to parseArgs, which reports what is wrong.
      if (values.length === 0) out.push(list);
      else out.push(`${list}=${values.join(",")}`);
      continue;
    }
    out.push(flags.aliases?.[arg] ?? arg);
  }
  return out;
}
