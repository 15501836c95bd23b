/**
 * The engine in the visitor's browser (server/engine/web): the quick-test template renders in the
 * page on WASM, the backend line says so, and for the same seed its loss curve follows the Node CPU
 * engine's, computed here with the real engine (onnxruntime-node) on the same experiment.
 */
import { chromium, expect, test, type Page } from "@playwright/test";
import { parseExperiment } from "../lib/experiment";
import { createTrainer, type EpochStats } from "../server/engine/trainer";
import { TEMPLATES } from "../server/data/templates";
import { newExperiment, person, signUp, unique, uniqueName } from "./testing";

const QUICK_TEST = TEMPLATES.find((t) => t.id === "quick-test")!.yaml;
/**
 * Largest |browser − node| / max(1e-3, |node|) over all epochs (measured: 5e-7 on WASM, 1e-6 on
 * WebGPU with SwiftShader). WASM, WebGPU and native onnxruntime run the same graphs with different
 * kernels (SIMD widths, summation order), and Adam feeds small float differences back into the
 * pixels, so the curves agree closely but not bit for bit; 1e-4 leaves room for other machines.
 */
const TOLERANCE = 1e-4;

async function nodeLosses(yaml: string): Promise<Map<number, number>> {
  const parsed = parseExperiment(yaml);
  if (!parsed.config) throw new Error("quick-test does not parse");
  const trainer = await createTrainer({
    config: parsed.config,
    model: "tiny-clip",
    device: "cpu",
    seed: 0,
    statsIntervalMs: 0,
  });
  const losses = new Map<number, number>();
  trainer.on((e) => {
    const stats: EpochStats | null =
      e.type === "stats" ? e.stats : e.type === "done" ? e.stats : null;
    if (stats) losses.set(stats.epoch, stats.loss);
  });
  await trainer.run();
  await trainer.dispose();
  return losses;
}

const browserRun = (page: Page) => page.getByTestId("browser-run");

/** The largest relative difference from the Node CPU engine's curve, and the curves for the message. */
async function compareWithNode(web: Map<number, number>, what: string) {
  const node = await nodeLosses(QUICK_TEST);
  expect(node.size).toBe(40); // every epoch: a run that never trained would match on epoch 0 alone
  expect([...web.keys()].sort((a, b) => a - b)).toEqual([...node.keys()].sort((a, b) => a - b));
  let worst = { error: 0, epoch: -1 };
  for (const [epoch, expected] of node) {
    const error = Math.abs(web.get(epoch)! - expected) / Math.max(1e-3, Math.abs(expected));
    if (error > worst.error) worst = { error, epoch };
  }
  console.log(
    `browser-engine ${what}: ${node.size} epochs, worst relative loss difference ${worst.error.toExponential(2)} at epoch ${worst.epoch}`,
  );
  const pairs = [...node].map(([e, l]) => `${e}: node ${l} browser ${web.get(e)}`).join("\n");
  return { ...worst, pairs };
}

async function browserLosses(page: Page): Promise<Map<number, number>> {
  const raw = (await browserRun(page).getAttribute("data-losses")) ?? "[]";
  return new Map(JSON.parse(raw) as [number, number][]);
}

test("the quick test renders in the page on WASM and its loss curve matches the Node CPU engine's", async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const { page } = await person(browser, "web");
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await newExperiment(page, unique("Browser"), "quick-test");
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);

  await page.getByTestId("browser-run-backend-choice").selectOption("wasm");
  await page.getByTestId("browser-run-start").click();
  await expect(page.getByTestId("browser-backend")).toHaveAttribute("data-backend", "wasm", {
    timeout: 30_000,
  });
  // Threaded: the studio is cross-origin isolated, so the worker gets SharedArrayBuffer.
  await expect(page.getByTestId("browser-backend")).toContainText(/WASM, \d+ thread/);
  await expect(browserRun(page)).toHaveAttribute("data-status", "done", { timeout: 120_000 });
  await expect(page.getByTestId("browser-error")).toHaveCount(0);
  const canvas = browserRun(page).getByTestId("live-canvas");
  await expect(canvas).toHaveAttribute("data-epoch", "39");
  expect(errors).toEqual([]);

  const worst = await compareWithNode(await browserLosses(page), "wasm");
  expect(worst.error, worst.pairs).toBeLessThan(TOLERANCE);
});

test("on WebGPU where headless Chromium offers an adapter (a software one here)", async ({
  baseURL,
}) => {
  test.setTimeout(240_000);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--enable-unsafe-webgpu", "--use-webgpu-adapter=swiftshader"],
  });
  try {
    const page = await (await browser.newContext({ baseURL })).newPage();
    await signUp(page, uniqueName("gpu"));
    await newExperiment(page, unique("WebGPU"), "quick-test");
    const adapter = await page.evaluate(async () => {
      const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
      return !!(gpu && (await gpu.requestAdapter()));
    });
    test.skip(!adapter, "this Chromium offers no WebGPU adapter");
    // auto skips a software adapter (slower than WASM) and says why.
    await page.getByTestId("browser-run-start").click();
    await expect(page.getByTestId("browser-backend")).toContainText(/software adapter/, {
      timeout: 30_000,
    });
    await expect(browserRun(page)).toHaveAttribute("data-status", "done", { timeout: 120_000 });
    // Asked for by name, WebGPU runs.
    await page.getByTestId("browser-run-backend-choice").selectOption("webgpu");
    await page.getByTestId("browser-run-start").click();
    await expect(page.getByTestId("browser-backend")).toHaveAttribute("data-backend", "webgpu", {
      timeout: 30_000,
    });
    await expect(browserRun(page)).toHaveAttribute("data-status", "done", { timeout: 180_000 });
    await expect(page.getByTestId("browser-error")).toHaveCount(0);
    const worst = await compareWithNode(await browserLosses(page), "webgpu");
    expect(worst.error, worst.pairs).toBeLessThan(TOLERANCE);
  } finally {
    await browser.close();
  }
});
