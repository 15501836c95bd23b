import { describe, it, expect } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { runCli } from "../testing";
import { migrate, migrationsFor } from "../../server/db/migrate";
import { dbTarget } from "../../server/db/url";

describe("clipig doctor", () => {
  it("reports devices, the model store and the database's migrations", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "clipig-doctor-"));
    const env = {
      CLIPIG_MODELS_DIR: path.join(dir, "models"),
      CLIPIG_HUB_URL: "http://127.0.0.1:9/mirror",
      DATABASE_URL: `file:${path.join(dir, "x.db")}`,
    };
    const fresh = await runCli(["doctor", "--json"], env);
    expect(fresh.code).toBe(0);
    // Probing every device prints nothing of its own (no native library noise on stderr).
    expect(fresh.stderr).toBe("");
    const report = JSON.parse(fresh.stdout);
    expect(report.devices.find((d: { device: string }) => d.device === "cpu")).toMatchObject({
      ok: true,
    });
    expect(report.onnxruntime.providers).toContain("cpu");
    expect(report.models).toMatchObject({
      dir: env.CLIPIG_MODELS_DIR,
      hub: "http://127.0.0.1:9/mirror",
      usedBytes: 0,
    });
    expect(report.models.list).toContainEqual(
      expect.objectContaining({ name: "tiny-clip", status: "bundled" }),
    );
    expect(report.database.detail).toMatch(/not created yet/);

    await migrate(dbTarget({ ...process.env, ...env }));
    const known = migrationsFor("sqlite").length;
    const text = await runCli(["doctor"], env);
    expect(text.stdout).toMatch(/^device +cpu +ok/m);
    expect(text.stdout).toMatch(
      new RegExp(`database +sqlite .*x\\.db: ${known} of ${known} migrations applied$`, "m"),
    );

    const pg = await runCli(["doctor", "--json"], {
      ...env,
      DATABASE_URL: "postgresql://someone:hunter2@127.0.0.1:9/clipig",
    });
    expect(pg.stdout).not.toContain("hunter2");
    expect(JSON.parse(pg.stdout).database).toMatchObject({
      kind: "postgres",
      ok: false,
      target: "postgresql://someone:***@127.0.0.1:9/clipig",
    });
  });
});
