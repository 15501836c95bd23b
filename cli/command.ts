/** One CLI verb: parses its own arguments, returns the process exit code. */
export interface Command {
  name: string;
  summary: string;
  run(args: string[]): Promise<number>;
}
