import tseslint from "typescript-eslint";
import prettier from "eslint-config-prettier";
import { builtinModules } from "node:module";

// The engine's edges (server/engine/CONTEXT.md). Import specifiers are relative, so each rule is a
// regex per folder depth: a file at depth d inside server/engine leaves it with d+1 "../".
const ENGINE = "server/engine";
const PLATFORM = `${ENGINE}/platform`;
const EDGE = {
  engine: "the engine imports only the engine and lib/experiment (server/engine/CONTEXT.md)",
  node: `Node-only: only ${PLATFORM}/ may import Node builtins, sharp or onnxruntime-node (the engine also runs in a browser)`,
  app: "app/ may not import server/engine: take the wire types from server/realtime/protocol (the browser engine's worker is loaded by URL; its messages are server/engine/web/messages)",
  web: "onnxruntime-web only in server/engine/web/ (the engine's browser adapter)",
  protocol: "the protocol has its own DTOs: map from the engine in server/realtime/wire-stats.ts",
  domain:
    "server/domain imports nothing (only its own files), so every folder may import it without a cycle",
};
/** Leaves server/engine from a file `depth` folders below it, other than to lib/experiment; or an `@/` path outside both. */
const leavesEngine = (depth) => ({
  regex: `^(\\.\\./){${depth + 1}}(?!\\.\\./lib/experiment(/|$))|^@/(?!${ENGINE}/|lib/experiment(/|$))`,
  message: EDGE.engine,
});
/** The browser's onnxruntime: the web adapter's alone, as onnxruntime-node is the platform folder's. */
const WEB_ONLY = {
  paths: [{ name: "onnxruntime-web", message: EDGE.web, allowTypeImports: true }],
  pattern: { regex: "^onnxruntime-web/", message: EDGE.web },
};
const NODE_ONLY = {
  paths: [
    "sharp",
    // Types only are fine: onnxruntime-web has the same API (graph/platform.ts names it).
    { name: "onnxruntime-node", message: EDGE.node, allowTypeImports: true },
    ...builtinModules,
  ].map((p) => (typeof p === "string" ? { name: p, message: EDGE.node } : p)),
  pattern: { regex: "^(node:|onnxruntime-node/|sharp/)", message: EDGE.node },
};
/** Node's globals: a browser has none of them. */
const NODE_GLOBALS = ["process", "Buffer", "__dirname", "__filename", "require", "global"].map(
  (name) => ({ name, message: EDGE.node }),
);
const restrict = (patterns, paths = []) => ({
  "no-restricted-imports": "off",
  "@typescript-eslint/no-restricted-imports": ["error", { paths, patterns }],
});
/** Where Node stays allowed inside the engine: the platform folder, and tests with their support modules. */
const NODE_ALLOWED = [
  `${PLATFORM}/**`,
  "**/*.test.ts",
  "**/testing.ts",
  "**/testing/**",
  `${ENGINE}/clip/reference.ts`, // reads the tiny-clip fixture's reference outputs for tests
];
/** The engine's files `depth` folders below server/engine: no way out; no Node outside NODE_ALLOWED. */
const engineAt = (depth) => {
  const here = `${ENGINE}/${"*/".repeat(depth)}*.{ts,tsx}`;
  return [
    {
      files: [here],
      rules: {
        ...restrict(
          [leavesEngine(depth), NODE_ONLY.pattern, WEB_ONLY.pattern],
          [...NODE_ONLY.paths, ...WEB_ONLY.paths],
        ),
        "no-restricted-globals": ["error", ...NODE_GLOBALS],
      },
    },
    {
      files: NODE_ALLOWED.map((glob) => [here, glob]),
      rules: {
        ...restrict([leavesEngine(depth), WEB_ONLY.pattern], WEB_ONLY.paths),
        "no-restricted-globals": "off",
      },
    },
  ];
};

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      ".next/",
      "data/",
      ".gpu/",
      "lib/generated/",
      "models/",
      "next-env.d.ts",
      "test-results/",
    ],
  },
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
      "no-eval": "error",
      "no-new-func": "error",
      "no-implied-eval": "error",
    },
  },
  {
    files: ["**/*.{ts,tsx,js,mjs}"],
    rules: restrict([WEB_ONLY.pattern], WEB_ONLY.paths),
  },
  ...[0, 1, 2, 3].flatMap(engineAt),
  {
    // The engine's browser adapter: onnxruntime-web, still no Node and no way out of the engine.
    files: [`${ENGINE}/web/*.ts`],
    ignores: NODE_ALLOWED,
    rules: restrict([leavesEngine(1), NODE_ONLY.pattern], NODE_ONLY.paths),
  },
  {
    files: ["app/**/*.{ts,tsx}"],
    // Tests are not bundled.
    ignores: ["app/**/*.test.ts"],
    rules: restrict(
      [{ regex: "(^|/)server/engine(/(?!web/messages$)|$)", message: EDGE.app }, WEB_ONLY.pattern],
      WEB_ONLY.paths,
    ),
  },
  {
    files: ["server/realtime/protocol.ts"],
    rules: restrict(
      [{ regex: "(^|/)engine(/|$)", message: EDGE.protocol }, WEB_ONLY.pattern],
      WEB_ONLY.paths,
    ),
  },
  {
    files: ["server/domain/**/*.ts"],
    rules: restrict([{ regex: "^(?!\\./[^/]+$)", message: EDGE.domain }]),
  },
);
