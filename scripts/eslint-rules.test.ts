// The engine's edges as ESLint enforces them (eslint.config.js): each rule fires on a deliberate
// violation at a realistic path, and the allowed imports at the same paths pass. Runs the project's
// own config through ESLint's Node API; the code is linted as text, nothing is written.
import { fileURLToPath } from "node:url";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const eslint = new ESLint({
  cwd: ROOT,
  overrideConfigFile: fileURLToPath(new URL("../eslint.config.js", import.meta.url)),
});

const RULE = "@typescript-eslint/no-restricted-imports";

/** The restricted-import messages ESLint gives `code` as if it were the file at `filePath`. */
async function edges(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}${filePath}` });
  if (!result) throw new Error(`no lint result for ${filePath}`);
  const fatal = result.messages.filter((m) => m.fatal);
  if (fatal.length) throw new Error(`${filePath}: ${fatal.map((m) => m.message).join("; ")}`);
  return result.messages.filter((m) => m.ruleId === RULE).map((m) => m.message);
}

const OUT = /the engine imports only the engine and lib\/experiment/;
const NODE = /Node-only: only server\/engine\/platform\/ may import/;

describe("engine → outside the engine", () => {
  it("fires on the server, the app and @/ paths, at every folder depth", async () => {
    for (const [code, file] of [
      ['import { db } from "../../db/client";\n', "server/engine/trainer/loop.ts"],
      ['import { x } from "../../../runs/store";\n', "server/engine/pipeline/transforms/x.ts"],
      ['import type { Role } from "@/server/realtime/protocol";\n', "server/engine/clip/x.ts"],
      ['export { x } from "../../../app/x";\n', "server/engine/graph/x.ts"],
      ['import { y } from "../../../lib/other";\n', "server/engine/trainer/x.ts"],
      ['import { z } from "../../runs/x";\n', "server/engine/platform/x.ts"],
    ]) {
      const messages = await edges(code!, file!);
      expect(messages, `${file}: ${code}`).toHaveLength(1);
      expect(messages[0]).toMatch(OUT);
    }
  });

  it("lets the engine import itself and lib/experiment", async () => {
    const code = [
      'import { Graph } from "../graph";',
      'import { isExpr } from "../../../lib/experiment";',
      'import type { ExprVars } from "../../../lib/experiment/expr";',
      'import { Runtime } from "@/server/engine/graph";',
      "",
    ].join("\n");
    expect(await edges(code, "server/engine/trainer/x.ts")).toEqual([]);
    expect(
      await edges(
        'import { TRANSFORMS } from "../../../../lib/experiment/params";\n',
        "server/engine/pipeline/transforms/x.ts",
      ),
    ).toEqual([]);
  });
});

describe("engine → Node outside the platform folder", () => {
  it("fires on node:*, bare builtins, sharp and onnxruntime-node", async () => {
    for (const code of [
      'import { readFile } from "node:fs/promises";\n',
      'import path from "path";\n',
      'import sharp from "sharp";\n',
      'import * as ort from "onnxruntime-node";\n',
      'export { createHash } from "node:crypto";\n',
    ]) {
      const messages = await edges(code, "server/engine/trainer/views-preview.ts");
      expect(messages, code).toHaveLength(1);
      expect(messages[0]).toMatch(NODE);
    }
    expect(
      await edges('import sharp from "sharp";\n', "server/engine/pipeline/transforms/x.ts"),
    ).toEqual([expect.stringMatching(NODE)]);
  });

  it("fires on Node's globals (process, Buffer, require)", async () => {
    const code =
      'export const dir = process.env.HOME;\nexport const b = Buffer.from([1]);\nrequire("x");\n';
    const [result] = await eslint.lintText(code, {
      filePath: `${ROOT}server/engine/clip/store-paths.ts`,
    });
    const globals = result!.messages.filter((m) => m.ruleId === "no-restricted-globals");
    expect(globals.map((m) => m.message)).toEqual([
      expect.stringMatching(NODE),
      expect.stringMatching(NODE),
      expect.stringMatching(NODE),
    ]);
    const [platform] = await eslint.lintText(code, {
      filePath: `${ROOT}server/engine/platform/store-paths.ts`,
    });
    expect(platform!.messages.filter((m) => m.ruleId === "no-restricted-globals")).toEqual([]);
  });

  it("allows them in the platform folder and in tests, and onnxruntime-node's types anywhere", async () => {
    const node =
      'import sharp from "sharp";\nimport { readFile } from "node:fs/promises";\nimport * as ort from "onnxruntime-node";\n';
    expect(await edges(node, "server/engine/platform/image-io.ts")).toEqual([]);
    expect(await edges(node, "server/engine/trainer/views-preview.test.ts")).toEqual([]);
    expect(await edges(node, "server/engine/pipeline/testing/harness.ts")).toEqual([]);
    expect(
      await edges(
        'import type * as OrtNode from "onnxruntime-node";\n',
        "server/engine/graph/platform.ts",
      ),
    ).toEqual([]);
  });
});

describe("app → engine", () => {
  it("fires on @/ and relative imports of server/engine, type-only ones included", async () => {
    for (const code of [
      'import type { EpochStats } from "@/server/engine/trainer/api";\n',
      'import { KNOWN_MODELS } from "../../../server/engine/platform/model-store";\n',
    ]) {
      const messages = await edges(code, "app/_components/studio/stats-table.tsx");
      expect(messages, code).toEqual([
        expect.stringMatching(/app\/ may not import server\/engine/),
      ]);
    }
  });

  it("lets the app take the wire types from the protocol", async () => {
    const code = 'import type { RunStats } from "@/server/realtime/protocol";\n';
    expect(await edges(code, "app/_components/studio/stats-table.tsx")).toEqual([]);
  });
});

describe("onnxruntime-web → only the engine's browser adapter", () => {
  const WEB = /onnxruntime-web only in server\/engine\/web\//;
  it("fires in the server, the app, the CLI and the rest of the engine", async () => {
    for (const [code, file] of [
      ['import * as ort from "onnxruntime-web";\n', "server/api/x.ts"],
      ['import * as ort from "onnxruntime-web/wasm";\n', "app/_components/studio/x.tsx"],
      ['import { InferenceSession } from "onnxruntime-web";\n', "cli/x.ts"],
      ['import * as ort from "onnxruntime-web";\n', "server/engine/graph/x.ts"],
      ['import * as ort from "onnxruntime-web";\n', "server/engine/platform/x.ts"],
    ]) {
      const messages = await edges(code!, file!);
      expect(messages, `${file}: ${code}`).toEqual([expect.stringMatching(WEB)]);
    }
  });

  it("lets server/engine/web import it, but still no Node and no way out of the engine", async () => {
    const web = 'import * as ort from "onnxruntime-web";\nimport { Runtime } from "../graph";\n';
    expect(await edges(web, "server/engine/web/web-platform.ts")).toEqual([]);
    expect(
      await edges('import { readFile } from "node:fs/promises";\n', "server/engine/web/x.ts"),
    ).toEqual([expect.stringMatching(NODE)]);
    expect(
      await edges('import { db } from "../../db/client";\n', "server/engine/web/x.ts"),
    ).toEqual([expect.stringMatching(OUT)]);
  });
});

describe("app → the browser engine", () => {
  it("lets the app take the worker's message types, nothing else of server/engine/web", async () => {
    const file = "app/_components/studio/browser-run.tsx";
    expect(
      await edges('import type { FromWorker } from "@/server/engine/web/messages";\n', file),
    ).toEqual([]);
    expect(await edges('import { webHost } from "@/server/engine/web/web-host";\n', file)).toEqual([
      expect.stringMatching(/app\/ may not import server\/engine/),
    ]);
  });
});

describe("protocol → engine", () => {
  it("fires on the protocol importing the engine's types", async () => {
    const code = 'import type { EpochStats, TrainerStatus } from "../engine/trainer/api";\n';
    expect(await edges(code, "server/realtime/protocol.ts")).toEqual([
      expect.stringMatching(/the protocol has its own DTOs/),
    ]);
  });

  it("lets the one mapping module import the engine", async () => {
    const code = 'import type { EpochStats } from "../engine/trainer/api";\n';
    expect(await edges(code, "server/realtime/wire-stats.ts")).toEqual([]);
  });
});

describe("domain → anything", () => {
  it("fires on the domain importing another folder, a package or a Node builtin", async () => {
    for (const code of [
      'import type { RunStats } from "../realtime/protocol";\n',
      'import { db } from "../db/client";\n',
      'export * from "../accounts/roles";\n',
      'import type { EpochStats } from "@/server/engine/trainer/api";\n',
      'import { z } from "zod";\n',
      'import { readFile } from "node:fs/promises";\n',
    ]) {
      expect(await edges(code, "server/domain/runs.ts"), code).toEqual([
        expect.stringMatching(/server\/domain imports nothing/),
      ]);
    }
  });

  it("lets its index re-export its own files", async () => {
    const code = 'export * from "./roles";\nimport type { Role } from "./roles";\n';
    expect(await edges(code, "server/domain/index.ts")).toEqual([]);
  });
});

describe("the tree as it is", () => {
  it("keeps every edge: the engine, the app, the protocol and the domain lint clean of these rules", async () => {
    const results = await eslint.lintFiles([
      "server/engine/**/*.ts",
      "app/**/*.{ts,tsx}",
      "server/realtime/protocol.ts",
      "server/domain/**/*.ts",
    ]);
    const broken = results.flatMap((r) =>
      r.messages
        .filter((m) => m.ruleId === RULE || m.ruleId === "no-restricted-globals")
        .map((m) => `${r.filePath.slice(ROOT.length)}:${m.line} ${m.message}`),
    );
    expect(broken).toEqual([]);
  });
});
