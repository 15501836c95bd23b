/**
 * `clipig doctor [--json]`: what this machine offers CLIPig Studio — onnxruntime's execution
 * providers and which devices actually open a session (the CUDA provider's library is the usual
 * gap), the model store, and the database with its migrations. Read-only: it changes nothing.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import Database from "better-sqlite3";
import pg from "pg";
import type { Command } from "../command";
import { fail, parseVerbArgs } from "../verb";
import { Runtime, type Device } from "../../server/engine/graph";
import { hubUrl, listModels, storeUsage } from "../../server/engine/platform/model-store";
import { migrationsFor } from "../../server/db/migrate";
import { dbTarget } from "../../server/db/url";
import { formatBytes } from "./models";

const USAGE = `usage: clipig doctor [--json]

Reports onnxruntime's providers and which devices work (cpu, cuda, webgpu), the model store
(CLIPIG_MODELS_DIR, CLIPIG_HUB_URL) and the database (DATABASE_URL) with its migrations.
`;

interface DeviceCheck {
  device: Device;
  ok: boolean;
  detail: string;
}

interface Report {
  node: string;
  onnxruntime: { version: string; providers: string[] };
  devices: DeviceCheck[];
  auto: string;
  runDevices: string;
  models: {
    dir: string;
    hub: string;
    usedBytes: number;
    freeBytes: number;
    list: { name: string; status: string; bytes: number }[];
  };
  database: { kind: string; target: string; ok: boolean; detail: string };
}

const command: Command = {
  name: "doctor",
  summary: "check providers, devices, models and the database",
  async run(args) {
    const parsed = parseVerbArgs("doctor", USAGE, {
      args,
      options: { json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    });
    if (typeof parsed === "number") return parsed;
    try {
      const report = await examine();
      process.stdout.write(
        parsed.values.json ? `${JSON.stringify(report, null, 2)}\n` : describe(report),
      );
      return 0;
    } catch (error) {
      return fail("doctor", error);
    }
  },
};
export default command;

async function examine(): Promise<Report> {
  const ortVersion = (
    createRequire(import.meta.url)("onnxruntime-node/package.json") as { version: string }
  ).version;
  const { nodePlatform } = await import("../../server/engine/platform/node-runtime");
  const devices: DeviceCheck[] = [];
  for (const device of ["cpu", "cuda", "webgpu"] as const) {
    try {
      await Runtime.create({ device });
      devices.push({ device, ok: true, detail: "opens a session" });
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      const detail = why
        .replace(/^execution provider "\w+" is not available: /, "")
        .replace(/\. Built-in providers: .*$/s, "");
      devices.push({ device, ok: false, detail });
    }
  }
  const auto = (await Runtime.create({ device: "auto" })).device;
  const usage = await storeUsage();
  return {
    node: `${process.version} (${process.platform} ${process.arch})`,
    onnxruntime: { version: ortVersion, providers: nodePlatform.backends() },
    devices,
    auto,
    runDevices: process.env.CLIPIG_DEVICES ?? "auto",
    models: {
      dir: usage.dir,
      hub: hubUrl(),
      usedBytes: usage.usedBytes,
      freeBytes: usage.freeBytes,
      list: (await listModels()).map((m) => ({ name: m.name, status: m.status, bytes: m.bytes })),
    },
    database: await database(),
  };
}

async function database(): Promise<Report["database"]> {
  const target = dbTarget();
  const known = migrationsFor(target.kind).length;
  const ledger = `SELECT "name" FROM "_clipig_migrations"`;
  try {
    let applied: number;
    if (target.kind === "sqlite") {
      if (!existsSync(target.file!))
        return {
          kind: "sqlite",
          target: target.file!,
          ok: true,
          detail: "not created yet (the server creates it on start)",
        };
      const db = new Database(target.file!, { readonly: true, fileMustExist: true });
      try {
        const hasLedger = db
          .prepare(
            `SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_clipig_migrations'`,
          )
          .get();
        applied = hasLedger ? db.prepare(ledger).all().length : 0;
      } finally {
        db.close();
      }
    } else {
      const client = new pg.Client({ connectionString: target.url, connectionTimeoutMillis: 5000 });
      await client.connect();
      try {
        applied = (await client.query(ledger)).rowCount ?? 0;
      } finally {
        await client.end();
      }
    }
    const where = target.kind === "sqlite" ? target.file! : redact(target.url);
    return {
      kind: target.kind,
      target: where,
      ok: true,
      detail: `${applied} of ${known} migrations applied${applied < known ? " (the server applies the rest on start)" : ""}`,
    };
  } catch (error) {
    return {
      kind: target.kind,
      target: target.kind === "sqlite" ? target.file! : redact(target.url),
      ok: false,
      detail: error instanceof Error ? error.message : String(error),
    };
  }
}

/** A database URL without its password. */
function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
}

function describe(r: Report): string {
  const lines = [
    `node         ${r.node}`,
    `onnxruntime  onnxruntime-node ${r.onnxruntime.version}; providers built in: ${r.onnxruntime.providers.join(", ")}`,
    ...r.devices.map(
      (d) => `device       ${d.device.padEnd(7)}${d.ok ? "ok" : "unavailable"}: ${d.detail}`,
    ),
    `runs         CLIPIG_DEVICES=${r.runDevices}; auto picks ${r.auto}`,
    `models       ${r.models.dir}: ${formatBytes(r.models.usedBytes)} used, ${formatBytes(r.models.freeBytes)} free; hub ${r.models.hub}`,
    ...r.models.list.map(
      (m) =>
        `             ${m.name.padEnd(32)}${m.status}${m.status === "not installed" ? "" : ` (${formatBytes(m.bytes)})`}`,
    ),
    `database     ${r.database.kind} ${r.database.target}: ${r.database.ok ? "" : "FAILED: "}${r.database.detail}`,
  ];
  return `${lines.join("\n")}\n`;
}
