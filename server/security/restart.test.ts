/**
 * Attacker suite, part 6 (or bad luck): the server process is killed (SIGKILL) in the middle of two
 * people's edits and of a run. Every edit the server acknowledged — relayed to the other editor,
 * which it does only after the edit is stored — and every snapshot it announced must still be there
 * after a restart; the run comes back as interrupted and continues from its last snapshot.
 */
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { io as connect, type Socket } from "socket.io-client";
import WebSocket from "ws";
import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";
import {
  createExperiment,
  signedIn,
  tabHeaders,
  useTempDatabase,
  type TestCaller,
} from "../collab/testing";
import { forkStudio } from "../api/testing/studio-child";
import { db } from "../db/client";
import type { ClientToServerEvents, ServerToClientEvents } from "../realtime/protocol";

const ENTRY = fileURLToPath(new URL("./testing/studio-process.ts", import.meta.url));
const EXPERIMENT = `model: tiny-clip
device: cpu
epochs: 10000
resolution: 32
snapshot_interval: 15
targets:
  - features:
      - text: a pig that survives
`;

let dataDir: string;
let owner: TestCaller;
let editor: TestCaller;
let children: ChildProcess[] = [];
const cleanup: (() => void)[] = [];

async function startServer(port = 0): Promise<{ child: ChildProcess; port: number }> {
  const started = await forkStudio(ENTRY, [String(port)]);
  children.push(started.child);
  return started;
}

function yjs(port: number, caller: TestCaller, id: string) {
  const headers = tabHeaders(port, caller.cookie);
  class BrowserSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers });
    }
  }
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`ws://127.0.0.1:${port}/yjs`, id, doc, {
    WebSocketPolyfill: BrowserSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  });
  cleanup.push(() => provider.destroy());
  return { doc, provider, text: doc.getText("yaml") };
}

const synced = (p: WebsocketProvider) =>
  new Promise<void>((resolve) =>
    p.synced ? resolve() : p.once("sync", (s: boolean) => s && resolve()),
  );

function socket(port: number, caller: TestCaller) {
  const s: Socket<ServerToClientEvents, ClientToServerEvents> = connect(
    `http://127.0.0.1:${port}`,
    {
      transports: ["websocket"],
      extraHeaders: tabHeaders(port, caller.cookie),
      forceNew: true,
      reconnection: false,
    },
  );
  cleanup.push(() => s.close());
  return s;
}

beforeAll(async () => {
  dataDir = await useTempDatabase();
  owner = await signedIn();
  editor = await signedIn();
});

afterAll(() => {
  for (const f of cleanup) f();
  for (const c of children) c.kill("SIGKILL");
  children = [];
});

describe("a kill -9 in the middle of edits and a run", () => {
  it("keeps every acknowledged edit and every announced snapshot; the run continues after its last snapshot", async () => {
    const id = await createExperiment(EXPERIMENT, {
      ownerId: owner.identity.id,
      visibility: "private",
      members: { [editor.identity.id]: "editor" },
    });
    const first = await startServer();
    const a = yjs(first.port, owner, id);
    const b = yjs(first.port, editor, id);
    await Promise.all([synced(a.provider), synced(b.provider)]);

    const room = socket(first.port, owner);
    expect(await room.emitWithAck("room:join", { experimentId: id })).toMatchObject({ ok: true });
    const snapshots: { snapshotId: string; epoch: number }[] = [];
    room.on("snapshot", ({ snapshotId, epoch }) => snapshots.push({ snapshotId, epoch }));
    const started = await room.emitWithAck("run:start", { experimentId: id, seed: 3 });
    if (!started.ok) throw new Error(started.message);

    // Both type comments at the end; an edit counts as acknowledged once the other one has it.
    const acked = new Set<string>();
    const sent: string[] = [];
    let typing = true;
    const observe = (own: { text: Y.Text }, other: string) => () => {
      for (const line of own.text.toString().split("\n"))
        if (line.startsWith(`# ${other}`)) acked.add(line);
    };
    a.text.observe(observe(a, "b"));
    b.text.observe(observe(b, "a"));
    const typist = (who: "a" | "b", client: { text: Y.Text }) =>
      (async () => {
        for (let i = 0; typing; i++) {
          const line = `# ${who}${i}`;
          client.text.insert(client.text.length, `${line}\n`);
          sent.push(line);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })();
    const typing1 = typist("a", a);
    const typing2 = typist("b", b);
    await expect
      .poll(() => snapshots.length >= 3 && acked.size >= 40, { timeout: 30_000, interval: 20 })
      .toBe(true);

    first.child.kill("SIGKILL"); // mid-edit, mid-run
    const ackedAtKill = new Set(acked);
    const snapshotsAtKill = [...snapshots];
    typing = false;
    await Promise.all([typing1, typing2]);
    for (const f of cleanup.splice(0)) f();

    const second = await startServer();
    const after = yjs(second.port, owner, id);
    await synced(after.provider);
    const lines = new Set(after.text.toString().split("\n"));
    const lost = [...ackedAtKill].filter((line) => !lines.has(line));
    expect(lost, `${lost.length} of ${ackedAtKill.size} acknowledged edits lost`).toEqual([]);
    expect(after.text.toString().startsWith(EXPERIMENT)).toBe(true);

    const run = await db().run.findUniqueOrThrow({
      where: { id: started.runId },
      include: { snapshots: true },
    });
    expect(run.status).toBe("interrupted");
    for (const s of snapshotsAtKill) {
      const row = run.snapshots.find((r) => r.id === s.snapshotId);
      expect(row, `snapshot at epoch ${s.epoch}`).toBeDefined();
      expect(existsSync(path.join(dataDir, row!.imagePath))).toBe(true);
    }
    const last = Math.max(...run.snapshots.map((s) => s.epoch));
    expect(last).toBeGreaterThanOrEqual(Math.max(...snapshotsAtKill.map((s) => s.epoch)));

    // It continues where the last snapshot left it.
    const again = socket(second.port, owner);
    expect(await again.emitWithAck("room:join", { experimentId: id })).toMatchObject({
      ok: true,
      state: { run: { status: "interrupted", snapshotEpoch: last } },
    });
    const firstEpoch = new Promise<number>((resolve) =>
      again.once("stats", ({ history }) => resolve(history[0].epoch)),
    );
    expect(await again.emitWithAck("run:continue", { experimentId: id })).toEqual({
      ok: true,
      runId: started.runId,
    });
    expect(await firstEpoch).toBe(last + 1);
    expect(await again.emitWithAck("run:stop", { experimentId: id })).toEqual({ ok: true });
    console.log(
      `[security figures] ${JSON.stringify({ suite: "restart mid-edit and mid-run", tried: sent.length + snapshotsAtKill.length, acknowledged: ackedAtKill.size, snapshots: snapshotsAtKill.length, lost: lost.length, crashes: 0 })}`,
    );
    second.child.kill("SIGKILL");
  });
});
