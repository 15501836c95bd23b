/** Reading a verb's input files, where `-` means standard input (as every verb takes it). */
import { readFile } from "node:fs/promises";

/** The text of `file`, or all of standard input for `-`. */
export async function readInput(file: string): Promise<string> {
  if (file !== "-") return readFile(file, "utf8");
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
