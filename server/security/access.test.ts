/**
 * Attacker suite, part 1: every route and every event, asked by everyone from nobody to the owner,
 * on a private and a public experiment. Each answer must be exactly what the permission table
 * allows: hidden experiments look missing, low roles are refused, and nothing changes unless the
 * caller may change it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import sharp from "sharp";
import { db } from "../db/client";
import { writeImage } from "../runs/images";
import { signedIn, storedRun } from "../collab/testing";
import {
  CALLERS,
  closeCodeOf,
  crashCounter,
  startHarness,
  synced,
  Tally,
  type CallerName,
  type Harness,
} from "./testing/harness";

let h: Harness;
let runId: string;
let snapshotId: string;
let png: Buffer;
const tally = new Tally("unauthenticated and wrong-role requests, every route and event");
const crashes = crashCounter();

const roleOn = (caller: CallerName, visibility: "private" | "public") =>
  caller === "anonymous" || caller === "guest" || caller === "stranger"
    ? visibility === "public"
      ? "viewer"
      : null
    : caller;

/** Status a manage-only route must answer. */
const manageStatus = (caller: CallerName, visibility: "private" | "public", success: number) => {
  if (caller === "anonymous" || caller === "guest") return 401;
  const role = roleOn(caller, visibility);
  return role === null ? 404 : role === "owner" ? success : 403;
};

beforeAll(async () => {
  h = await startHarness();
  // Runs that fail admission prove the caller got past authorization without spawning a trainer.
  await db().experiment.updateMany({
    where: { id: { in: [h.privateId, h.publicId] } },
    data: { yaml: "epochs: 999999999\n" },
  });
  const run = await storedRun(h.privateId);
  runId = run.id;
  const pixels = { epoch: 3, width: 4, height: 4, rgba: new Uint8ClampedArray(64).fill(200) };
  const imagePath = await writeImage(h.dataDir, run.id, "final.png", pixels);
  const snapPath = await writeImage(h.dataDir, run.id, "snap-1.png", pixels);
  await db().run.update({ where: { id: run.id }, data: { imagePath } });
  snapshotId = (
    await db().snapshot.create({ data: { runId: run.id, epoch: 1, imagePath: snapPath } })
  ).id;
  png = await sharp({ create: { width: 8, height: 8, channels: 3, background: "#f0f" } })
    .png()
    .toBuffer();
});

afterAll(() => h.finish(crashes, tally));

describe("HTTP routes", () => {
  it("sharing routes answer 401 / 404 / 403 to everyone but the owner, and change nothing for them", async () => {
    const target = await signedIn();
    const extra = await signedIn();
    for (const visibility of ["private", "public"] as const) {
      const id = visibility === "private" ? h.privateId : h.publicId;
      for (const name of CALLERS) {
        const caller = h.callers[name];
        await db().member.upsert({
          where: { experimentId_userId: { experimentId: id, userId: extra.identity.id } },
          create: { experimentId: id, userId: extra.identity.id, role: "viewer" },
          update: {},
        });
        const link = await db().shareLink.create({
          data: { experimentId: id, role: "viewer", tokenHash: `h${Math.random()}` },
        });
        const base = `/api/experiments/${id}/sharing`;
        const requests: [string, string, unknown, number][] = [
          ["GET", base, undefined, 200],
          ["POST", `${base}/members`, { username: target.identity.name, role: "editor" }, 201],
          ["DELETE", `${base}/members/${extra.identity.id}`, undefined, 204],
          ["POST", `${base}/links`, { role: "viewer" }, 201],
          ["DELETE", `${base}/links/${link.id}`, undefined, 204],
          ["PUT", `${base}/visibility`, { visibility }, 204],
        ];
        for (const [method, path, body, success] of requests) {
          const res = await h.http(path, { method, caller, body });
          const expected = manageStatus(name, visibility, success);
          expect(res.status, `${name} ${method} ${path} (${visibility})`).toBe(expected);
          tally.refused(expected >= 400);
        }
        const members = new Set(
          (
            await db().member.findMany({ where: { experimentId: id }, select: { userId: true } })
          ).map((m) => m.userId),
        );
        const roles = (["viewer", "runner", "editor"] as const).map(
          (r) => h.callers[r]!.identity.id,
        );
        const expected =
          name === "owner" ? [...roles, target.identity.id] : [...roles, extra.identity.id];
        expect([...members].sort(), `members after ${name} on ${visibility}`).toEqual(
          expected.sort(),
        );
        await db().member.deleteMany({
          where: { experimentId: id, userId: { in: [target.identity.id, extra.identity.id] } },
        });
      }
      expect((await db().experiment.findUniqueOrThrow({ where: { id } })).visibility).toBe(
        visibility,
      );
    }
  });

  it("views of an experiment answer 404 to everyone without a role; the rest reach admission", async () => {
    // The text (epochs: 999999999) fails admission: a 400 proves the caller got past authorization.
    for (const visibility of ["private", "public"] as const) {
      const id = visibility === "private" ? h.privateId : h.publicId;
      for (const name of CALLERS) {
        const see = roleOn(name, visibility) !== null;
        const res = await h.http(`/api/experiments/${id}/views?target=0`, {
          caller: h.callers[name],
        });
        expect(res.status, `${name} views (${visibility})`).toBe(see ? 400 : 404);
        tally.refused(true);
      }
    }
  });

  it("downloads of a private run answer 404 to everyone without a role, 200 to members", async () => {
    for (const name of CALLERS) {
      const see = roleOn(name, "private") !== null;
      for (const path of [
        `/api/runs/${runId}/image`,
        `/api/runs/${runId}/image?download=1`,
        `/api/runs/${runId}/yaml`,
        `/api/snapshots/${snapshotId}/image`,
        `/api/images/${runId}/final.png`,
        `/api/images/${runId}/snap-1.png`,
      ]) {
        const res = await h.http(path, { caller: h.callers[name] });
        expect(res.status, `${name} ${path}`).toBe(see ? 200 : 404);
        expect(res.headers.get("x-content-type-options")).toBe("nosniff");
        tally.refused(!see);
      }
    }
    // Paths that try to walk out of the data folder or name files the run never recorded.
    for (const path of [
      `/api/images/${runId}/..%2F..%2Fclipig.db`,
      `/api/images/..%2F${runId}/final.png`,
      `/api/runs/..%2F..%2Fetc/image`,
      `/api/uploads/..%2F..%2Fclipig.db`,
      `/api/uploads/${"A".repeat(22)}`,
    ]) {
      const res = await h.http(path, { caller: h.callers.owner });
      expect(res.status, path).toBe(404);
      tally.refused(true);
    }
  });

  it("uploads need an account, an image body under the cap, and our origin", async () => {
    for (const name of CALLERS) {
      const res = await h.http("/api/uploads", {
        method: "POST",
        caller: h.callers[name],
        body: png,
        headers: { "content-type": "image/png" },
      });
      const signedInCaller = !(name === "anonymous" || name === "guest");
      expect(res.status, name).toBe(signedInCaller ? 201 : 401);
      tally.refused(!signedInCaller);
      if (signedInCaller) {
        const { ref, id } = (await res.json()) as { ref: string; id: string };
        expect(ref).toBe(`upload:${id}`);
        expect((await h.http(`/api/uploads/${id}`)).headers.get("content-type")).toBe("image/webp");
      }
    }
    const owner = h.callers.owner;
    const hostile: [string, RequestInit["body"], Record<string, string>, number][] = [
      [
        "svg",
        "<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        { "content-type": "image/png" },
        422,
      ],
      ["html", "<html><script>alert(1)</script>", { "content-type": "text/html" }, 415],
      ["no type", new Uint8Array(png), { "content-type": "" }, 415],
      ["too large", new Uint8Array(11 * 1024 * 1024), { "content-type": "image/png" }, 413],
      [
        "other site",
        new Uint8Array(png),
        { "content-type": "image/png", origin: "http://evil.example" },
        403,
      ],
    ];
    for (const [what, body, headers, status] of hostile) {
      const res = await h.http("/api/uploads", {
        method: "POST",
        caller: owner,
        body: body as Uint8Array,
        headers,
      });
      expect(res.status, what).toBe(status);
      tally.refused(true);
    }
  });

  it("every request that changes something is refused from another site's page, and a wrong method is 405", async () => {
    const owner = h.callers.owner;
    const base = `/api/experiments/${h.publicId}/sharing`;
    const writes: [string, string, unknown][] = [
      ["POST", "/api/auth/signup", { username: "mallory", password: "correct horse battery" }],
      ["POST", "/api/auth/signin", { username: "mallory", password: "correct horse battery" }],
      ["POST", "/api/auth/signout", {}],
      ["POST", `${base}/members`, { username: "mallory", role: "editor" }],
      ["POST", `${base}/links`, { role: "editor" }],
      ["PUT", `${base}/visibility`, { visibility: "private" }],
      ["POST", "/api/share/join", { token: "x".repeat(43) }],
    ];
    for (const origin of ["http://evil.example", "null", `http://127.0.0.1:${h.port + 1}`]) {
      for (const [method, path, body] of writes) {
        const res = await h.http(path, { method, caller: owner, body, headers: { origin } });
        expect(res.status, `${origin} ${method} ${path}`).toBe(403);
        tally.refused(true);
      }
    }
    // A form post (no JSON) is refused before it is read.
    const form = await h.http("/api/auth/signin", {
      method: "POST",
      body: "username=a&password=b",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(form.status).toBe(415);
    for (const [method, path] of [
      ["DELETE", "/api/auth/signin"],
      ["POST", `/api/runs/${runId}/yaml`],
      ["PUT", "/api/uploads"],
    ]) {
      expect((await h.http(path, { method, caller: owner })).status, `${method} ${path}`).toBe(405);
      tally.refused(true);
    }
    tally.refused((await h.http("/api/nothing-here")).status === 404);
    expect(
      (await db().experiment.findUniqueOrThrow({ where: { id: h.publicId } })).visibility,
    ).toBe("public");
    expect(await db().user.count({ where: { username: "mallory" } })).toBe(0);
    // Still signed in: the cross-site sign-out did nothing.
    expect(await (await h.http("/api/auth/me", { caller: owner })).json()).toMatchObject({
      user: { id: owner!.identity.id },
    });
  });
});

describe("Socket.IO events", () => {
  it("each event is checked per event: hidden rooms are not_found, viewers are forbidden to run", async () => {
    type Answer = { ok: boolean; code?: string };
    for (const visibility of ["private", "public"] as const) {
      const id = visibility === "private" ? h.privateId : h.publicId;
      for (const name of CALLERS) {
        const socket = h.socket(h.callers[name]);
        const role = roleOn(name, visibility);
        const ask = async (event: string, payload: object) =>
          (await (
            socket as unknown as { emitWithAck(e: string, p: object): Promise<Answer> }
          ).emitWithAck(event, payload)) as Answer;
        // Before joining, no run control goes through for anyone.
        const early = await ask("run:start", { experimentId: id });
        expect(early.ok).toBe(false);
        tally.refused(true);

        const joined = await ask("room:join", { experimentId: id });
        expect(joined.ok ? "ok" : joined.code, `${name} join ${visibility}`).toBe(
          role === null ? "not_found" : "ok",
        );
        tally.refused(!joined.ok);

        const mayRun = role === "owner" || role === "editor" || role === "runner";
        for (const [event, payload, whenAllowed] of [
          ["run:start", { experimentId: id }, "invalid_experiment"],
          ["run:update", { experimentId: id }, "bad_request"],
          ["run:pause", { experimentId: id }, "bad_request"],
          ["run:resume", { experimentId: id }, "bad_request"],
          ["run:stop", { experimentId: id }, "bad_request"],
          // The private one has a finished run (done runs do not continue); the public one has none.
          [
            "run:continue",
            { experimentId: id },
            visibility === "private" ? "bad_request" : "not_found",
          ],
        ] as const) {
          const answer = await ask(event, payload);
          const expected = role === null ? "not_found" : mayRun ? whenAllowed : "forbidden";
          expect(answer.code, `${name} ${event} on ${visibility}`).toBe(expected);
          tally.refused(!answer.ok);
        }
        socket.close();
      }
    }
    expect(
      await db().run.count({
        where: { experimentId: { in: [h.privateId, h.publicId] }, status: { not: "done" } },
      }),
    ).toBe(0);
  });

  it("a handshake from another site's page is refused; so is one without an Origin", async () => {
    for (const origin of ["http://evil.example", "null", "http://127.0.0.1.evil.example", ""]) {
      const headers = { ...h.headers(h.callers.owner), origin };
      if (!origin) delete (headers as Record<string, string>).origin;
      const socket = h.socket(h.callers.owner, headers);
      const error = await new Promise<Error>((resolve) => socket.once("connect_error", resolve));
      expect(error).toBeInstanceOf(Error);
      tally.refused(true);
    }
  });
});

describe("the Yjs endpoint", () => {
  it("refuses hidden documents at the upgrade and makes viewers and runners read-only", async () => {
    for (const visibility of ["private", "public"] as const) {
      const id = visibility === "private" ? h.privateId : h.publicId;
      for (const name of CALLERS) {
        const role = roleOn(name, visibility);
        if (role === null) {
          const ws = h.rawYjs(h.callers[name], id);
          expect(await closeCodeOf(ws), `${name} on ${visibility}`).toBe(4404);
          tally.refused(true);
          continue;
        }
        const client = h.yjs(h.callers[name], id);
        await synced(client.provider);
        const before = client.text.toString();
        client.text.insert(0, `# ${name} was here\n`);
        const writer = role === "owner" || role === "editor";
        const check = h.yjs(h.callers.owner, id);
        await synced(check.provider);
        if (writer)
          await expect
            .poll(() => check.text.toString(), { timeout: 3000 })
            .toContain(`# ${name} was here`);
        else {
          await new Promise((r) => setTimeout(r, 100));
          expect(check.text.toString(), `${name} wrote on ${visibility}`).not.toContain(
            `# ${name} was here`,
          );
          expect(before).not.toContain(`# ${name} was here`);
        }
        tally.refused(!writer);
        client.provider.destroy();
        check.provider.destroy();
      }
    }
    for (const origin of ["http://evil.example", "null"]) {
      const ws = h.rawYjs(h.callers.owner, h.publicId, { ...h.headers(h.callers.owner), origin });
      const status = await new Promise<number>((resolve) =>
        ws.once("unexpected-response", (_q, res) => resolve(res.statusCode ?? 0)),
      );
      expect(status).toBe(403);
      tally.refused(true);
    }
  });
});
