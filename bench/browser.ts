// The engine in the browser against the engine on Node, on the same machine: epochs/s of walk-through
// experiments (tiny-clip) in headless Chromium on onnxruntime-web (WASM, threaded: the page is cross-
// origin isolated), and on WebGPU where Chromium offers an adapter, as ratios to the Node CPU engine
// (onnxruntime-node) run in this process. The page is served by a small loopback server with the
// studio's headers (COOP/COEP), the worker bundled by esbuild from server/engine/web/worker.ts.
// Usage: tsx bench/browser.ts [--only 01,02] [--warmup 3] [--epochs 12] [--threads N] [--out FILE]
// Prints one JSON object.
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import os from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { chromium } from "@playwright/test";
import { parseExperiment } from "../lib/experiment";
import { createTrainer, type EpochStats } from "../server/engine/trainer";
import type { FromWorker, ToWorker } from "../server/engine/web/messages";
import { benchArgs } from "./common/args";

const ROOT = path.resolve(import.meta.dirname, "..");
const FIXTURES = path.join(ROOT, "lib/experiment/fixtures");
const TINY = path.join(ROOT, "models/tiny-clip");
const ORT_DIST = path.join(ROOT, "node_modules/onnxruntime-web/dist");
const FILES = ["config.json", "vocab.json", "merges.txt", "model.safetensors"];

const args = benchArgs();
const only = args.list("only", "01,02");
const { warmup, epochs: measured } = args.nums({ warmup: 3, epochs: 12 });
const log = (s: string) => process.stderr.write(`${s}\n`);

const experiments = only.map((id) => {
  const file = `walkthrough-${id}-${{ "01": "first-experiment", "02": "random-shift", "03": "random-rotate" }[id] ?? ""}.yaml`;
  const yaml = `model: tiny-clip\nepochs: ${warmup + measured}\n${readFileSync(path.join(FIXTURES, file), "utf8")}`;
  if (!parseExperiment(yaml).ok) throw new Error(`${file} does not parse`);
  return { id, file, yaml };
});

/** Epochs/s over the measured epochs (after `warmup`), from the trainer's own elapsed clock. */
function rate(stats: Pick<EpochStats, "epoch" | "elapsedMs">[]): number {
  const a = stats.find((s) => s.epoch === warmup - 1);
  const b = stats.at(-1);
  if (!a || !b || b.epoch <= a.epoch) throw new Error("too few statistics to time");
  return (b.epoch - a.epoch) / ((b.elapsedMs - a.elapsedMs) / 1000);
}

async function nodeRate(yaml: string): Promise<number> {
  const trainer = await createTrainer({
    config: parseExperiment(yaml).config!,
    model: "tiny-clip",
    device: "cpu",
    statsIntervalMs: 0,
  });
  const stats: EpochStats[] = [];
  trainer.on((e) => {
    if (e.type === "stats") stats.push(e.stats);
    if (e.type === "error") log(`node: ${e.message}`);
  });
  await trainer.run();
  await trainer.dispose();
  return rate(stats);
}

/** A loopback server: the page, the bundled worker, onnxruntime-web's files, tiny-clip's files. */
async function serve(): Promise<{ url: string; close(): void }> {
  const bundle = await build({
    entryPoints: [path.join(ROOT, "server/engine/web/worker.ts")],
    bundle: true,
    format: "esm",
    platform: "browser",
    write: false,
    // The graph runtime's default (Node) platform, loaded lazily and never in a browser.
    external: ["../platform/node-runtime", "onnxruntime-node"],
    logLevel: "error",
  });
  const worker = bundle.outputFiles[0].contents;
  const manifest = JSON.stringify({
    name: "tiny-clip",
    files: FILES.map((f) => ({
      name: f,
      bytes: readFileSync(path.join(TINY, f)).byteLength,
      etag: "bench",
    })),
  });
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const send = (body: Uint8Array | string, type: string) => {
      res.writeHead(200, {
        "content-type": type,
        "cross-origin-opener-policy": "same-origin",
        "cross-origin-embedder-policy": "require-corp",
      });
      res.end(body);
    };
    const p = url.pathname;
    if (p === "/") return send("<!doctype html><title>bench</title>", "text/html");
    if (p === "/worker.js") return send(worker, "text/javascript");
    if (p === "/api/models/tiny-clip/files") return send(manifest, "application/json");
    const file = /^\/api\/models\/tiny-clip\/files\/([\w.]+)$/.exec(p)?.[1];
    if (file && FILES.includes(file))
      return send(readFileSync(path.join(TINY, file)), "application/octet-stream");
    const ort = /^\/ort\/(ort-wasm-simd-threaded[\w.]*\.(mjs|wasm))$/.exec(p);
    if (ort)
      return send(
        readFileSync(path.join(ORT_DIST, ort[1])),
        ort[2] === "wasm" ? "application/wasm" : "text/javascript",
      );
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
}

interface BrowserResult {
  backend: string;
  note: string;
  threads: number;
  epochsPerSecond: number;
}

const WEBGPU_FLAGS = [
  "--enable-unsafe-webgpu",
  "--enable-features=Vulkan",
  "--use-webgpu-adapter=swiftshader",
];

async function browserRates(url: string, backend: "wasm" | "webgpu") {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", ...(backend === "webgpu" ? WEBGPU_FLAGS : ["--disable-gpu"])],
  });
  try {
    const page = await browser.newPage();
    await page.goto(url);
    if (backend === "webgpu") {
      const adapter = await page.evaluate(async () => {
        const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
        return !!(gpu && (await gpu.requestAdapter()));
      });
      if (!adapter) return null;
    }
    const out: Record<string, BrowserResult | { error: string }> = {};
    for (const x of experiments) {
      const start: ToWorker = {
        type: "start",
        yaml: x.yaml,
        model: "tiny-clip",
        backend,
        statsIntervalMs: 0,
        frameIntervalMs: 1000,
        wasmPaths: `${url}/ort/`,
      };
      out[x.id] = await page.evaluate(
        (msg) =>
          new Promise<BrowserResult | { error: string }>((resolve) => {
            const w = new Worker("/worker.js", { type: "module" });
            const stats: { epoch: number; elapsedMs: number }[] = [];
            let info = { backend: "", note: "", threads: 0 };
            w.onmessage = (e: MessageEvent<FromWorker>) => {
              const m = e.data;
              if (m.type === "backend")
                info = { backend: m.backend, note: m.note, threads: m.threads };
              if (m.type === "stats") stats.push(m.stats);
              if (m.type === "error") resolve({ error: m.message });
              if (m.type === "done") {
                w.terminate();
                resolve({ ...info, epochsPerSecond: NaN, stats } as unknown as BrowserResult);
              }
            };
            w.postMessage(msg);
          }),
        start,
      );
      const r = out[x.id] as BrowserResult & { stats?: { epoch: number; elapsedMs: number }[] };
      if (r.stats) {
        r.epochsPerSecond = rate(r.stats);
        delete r.stats;
      }
      log(`${backend} ${x.id}: ${JSON.stringify(out[x.id])}`);
    }
    return out;
  } finally {
    await browser.close();
  }
}

const server = await serve();
try {
  const node: Record<string, number> = {};
  for (const x of experiments) {
    node[x.id] = await nodeRate(x.yaml);
    log(`node ${x.id}: ${node[x.id].toFixed(2)} epochs/s`);
  }
  const wasm = (await browserRates(server.url, "wasm")) ?? {};
  const webgpu = await browserRates(server.url, "webgpu").catch((e: Error) => ({
    error: e.message,
  }));
  const ratio = (r: BrowserResult | { error: string } | undefined, id: string) =>
    r && "epochsPerSecond" in r ? Number((r.epochsPerSecond / node[id]).toFixed(3)) : null;
  const result = {
    bench: "browser",
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model },
    model: "tiny-clip",
    warmupEpochs: warmup,
    measuredEpochs: measured,
    experiments: experiments.map((x) => ({
      id: x.id,
      file: x.file,
      nodeCpuEpochsPerSecond: Number(node[x.id].toFixed(3)),
      wasm: wasm[x.id],
      wasmVsNode: ratio(wasm[x.id], x.id),
      webgpu:
        webgpu && !("error" in webgpu)
          ? webgpu[x.id]
          : (webgpu ?? "no WebGPU adapter in this Chromium"),
      webgpuVsNode: webgpu && !("error" in webgpu) ? ratio(webgpu[x.id], x.id) : null,
    })),
  };
  const json = JSON.stringify(result, null, 2);
  if (args.get("out")) writeFileSync(args.get("out")!, json);
  console.log(json);
} finally {
  server.close();
}
