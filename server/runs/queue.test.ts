import { describe, expect, it } from "vitest";
import { SlotQueue } from "./queue";

/** Jobs that finish when the test says so. */
function jobs() {
  const finish = new Map<string, () => void>();
  const started: string[] = [];
  const execute = (job: string, slot: { name: string }) =>
    new Promise<void>((resolve) => {
      started.push(`${job}@${slot.name}`);
      finish.set(job, resolve);
    });
  return { finish, started, execute };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe("run queue", () => {
  it("runs one job per slot and reports the waiting line as it moves", async () => {
    const { finish, started, execute } = jobs();
    const lines: string[][] = [];
    const queue = new SlotQueue(
      [
        { name: "gpu0", device: "cuda" },
        { name: "gpu1", device: "cuda" },
      ],
      execute,
      (w) => lines.push([...w]),
    );
    for (const job of ["a", "b", "c", "d"]) queue.enqueue(job);
    expect(started).toEqual(["a@gpu0", "b@gpu1"]);
    expect(queue.position("c")).toBe(1);
    expect(queue.position("d")).toBe(2);
    expect(lines.at(-1)).toEqual(["c", "d"]);
    finish.get("b")!();
    await tick();
    expect(started).toEqual(["a@gpu0", "b@gpu1", "c@gpu1"]);
    expect(queue.position("d")).toBe(1);
    expect(lines.at(-1)).toEqual(["d"]);
    expect(queue.remove("d")).toBe(true);
    expect(lines.at(-1)).toEqual([]);
    expect(queue.remove("d")).toBe(false);
    finish.get("a")!();
    await tick();
    expect(started).toHaveLength(3);
  });

  it("frees the slot when a job fails", async () => {
    const started: string[] = [];
    const queue = new SlotQueue(
      [{ name: "cpu", device: "cpu" }],
      async (job: string) => {
        started.push(job);
        if (job === "bad") throw new Error("boom");
      },
      () => undefined,
    );
    const log = console.error;
    console.error = () => undefined;
    queue.enqueue("bad");
    queue.enqueue("good");
    await tick();
    console.error = log;
    expect(started).toEqual(["bad", "good"]);
  });
});
