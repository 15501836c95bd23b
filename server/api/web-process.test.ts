/**
 * The web process never loads onnxruntime: the studio runs as its own process (as `npm start`), a
 * caller renders views through the route and runs an experiment to done, and the web process's
 * memory map (Linux `/proc/<pid>/maps`) holds no onnxruntime library — while its children (the views
 * process, the run worker) do, which shows the check sees the library where it is loaded.
 */
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createExperiment,
  signedIn,
  tabHeaders,
  tabSocket,
  useTempDatabase,
  type TabSocket,
  type TestCaller,
} from "../collab/testing";
import { forkStudio } from "./testing/studio-child";

const ENTRY = fileURLToPath(new URL("./testing/studio-main.ts", import.meta.url));
const EXPERIMENT = `model: tiny-clip
device: cpu
epochs: 30
resolution: 32
targets:
  - batch_size: 2
    features:
      - text: a pig that stays in its own process
    transforms:
      - noise: 0.1
`;

/** The onnxruntime files (its N-API binding, libonnxruntime) a process has mapped. */
function onnxruntimeMapped(pid: number): string[] {
  const paths = readFileSync(`/proc/${pid}/maps`, "utf8")
    .split("\n")
    .map((line) => line.split(/\s+/).slice(5).join(" "))
    .filter((path) => /onnxruntime/i.test(path));
  return [...new Set(paths)];
}

/** The process's children, each with whether it maps onnxruntime (read while they are alive). */
function childrenOf(pid: number): { pid: number; onnxruntime: boolean }[] {
  const tasks = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
  return tasks
    ? tasks.split(/\s+/).map((p) => {
        const child = Number(p);
        try {
          return { pid: child, onnxruntime: onnxruntimeMapped(child).length > 0 };
        } catch {
          return { pid: child, onnxruntime: false }; // gone meanwhile
        }
      })
    : [];
}

let studio: ChildProcess;
let port: number;
let owner: TestCaller;
const sockets: TabSocket[] = [];

beforeAll(async () => {
  await useTempDatabase();
  owner = await signedIn();
  ({ child: studio, port } = await forkStudio(ENTRY));
});

afterAll(() => {
  for (const s of sockets) s.close();
  studio?.kill("SIGKILL");
});

describe.runIf(process.platform === "linux")("the web process", () => {
  it("renders views and runs a run without ever mapping onnxruntime; its children do", async () => {
    const pid = studio.pid!;
    expect(onnxruntimeMapped(pid)).toEqual([]);
    const id = await createExperiment(EXPERIMENT, { ownerId: owner.identity.id });

    // Views: rendered by the views process, which stays for the next render.
    const views = await fetch(
      `http://127.0.0.1:${port}/api/experiments/${id}/views?target=0&at=0.5&seed=3`,
      { headers: { cookie: owner.cookie } },
    );
    expect(views.status, await views.clone().text()).toBe(200);
    expect(views.headers.get("content-type")).toBe("image/png");
    expect((await views.arrayBuffer()).byteLength).toBeGreaterThan(0);
    const afterViews = childrenOf(pid);
    expect(afterViews.filter((c) => c.onnxruntime)).toHaveLength(1);
    expect(onnxruntimeMapped(pid)).toEqual([]);

    // A run to done; its worker's map is read while it trains.
    const room = tabSocket(port, tabHeaders(port, owner.cookie), { reconnection: false });
    sockets.push(room);
    expect(await room.emitWithAck("room:join", { experimentId: id })).toMatchObject({ ok: true });
    let during: { pid: number; onnxruntime: boolean }[] = [];
    const done = new Promise<void>((resolve, reject) => {
      room.on("stats", () => {
        if (!during.length) during = childrenOf(pid);
      });
      room.on("done", () => resolve());
      room.on("status", ({ run }) => {
        if (run.status === "error") reject(new Error(`run failed: ${run.message}`));
      });
    });
    const started = await room.emitWithAck("run:start", { experimentId: id, seed: 3 });
    if (!started.ok) throw new Error(started.message);
    await done;

    const workers = during.filter((c) => c.onnxruntime && !afterViews.some((v) => v.pid === c.pid));
    expect(workers, "the run worker maps onnxruntime while it trains").toHaveLength(1);
    expect(onnxruntimeMapped(pid)).toEqual([]);
  });
});
