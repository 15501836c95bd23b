/**
 * onnxruntime-web's WebAssembly runtime files, served same-origin for the engine in the browser
 * (`server/engine/web`, `ort.env.wasm.wasmPaths = ENGINE_WEB_ASSETS`): a cross-origin isolated page
 * loads no script or wasm from a CDN, and the CSP stays 'self'. Only the files onnxruntime-web
 * ships under `dist/` named `ort-wasm-simd-threaded*.{mjs,wasm}` are served; they are immutable for
 * the installed version, so the URL carries it.
 */
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { problem, type Reply } from "./http";
import type { Route } from "./router";

const requireHere = createRequire(import.meta.url);
/** Its dist/ folder (the package exports no package.json; its main file lies in dist/). */
const distDir = () => path.dirname(requireHere.resolve("onnxruntime-web"));
let installed: string | undefined;
const version = (): string =>
  (installed ??= (
    JSON.parse(readFileSync(path.join(distDir(), "..", "package.json"), "utf8")) as {
      version: string;
    }
  ).version);

/** The URL prefix the worker gets (`…/<version>/`). */
export const ENGINE_WEB_ASSETS = "/api/engine-web/ort/";

export function engineWebAssetRoutes(): Route[] {
  return [
    {
      method: "GET",
      path: /^\/api\/engine-web\/ort\/(?<version>[0-9][0-9A-Za-z.-]{0,40})\/(?<file>ort-wasm-simd-threaded(?:\.[a-z]+)?\.(?:mjs|wasm))$/,
      async handle({ params }): Promise<Reply> {
        if (params.version !== version()) return problem(404, "not_found", "Not found");
        const body = await readFile(path.join(distDir(), params.file)).catch(() => null);
        if (!body) return problem(404, "not_found", "Not found");
        return {
          status: 200,
          body,
          headers: {
            "content-type": params.file.endsWith(".wasm")
              ? "application/wasm"
              : "text/javascript; charset=utf-8",
            "cache-control": "public, max-age=31536000, immutable",
          },
        };
      },
    },
    {
      method: "GET",
      path: /^\/api\/engine-web\/ort$/,
      handle: async () => ({ status: 200, json: { prefix: `${ENGINE_WEB_ASSETS}${version()}/` } }),
    },
  ];
}
