/**
 * The first minute on a fresh server: a newcomer picks the walk-through's first template ("A curly
 * spoon", the default model); the room sees the missing model as soon as the studio opens, before
 * anyone presses Start, and again as the start's wait once they do. Each test
 * starts its own fresh server (empty database and model store) against a local mirror of the hub
 * serving the tiny-clip fixture under the default model's name (`CLIPIG_HUB_URL`).
 * `SCREENSHOTS=1` also writes docs/missing-model.png and docs/models.png.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { startTestHub, type TestHub } from "../server/engine/clip/testing";
import { editor, newExperiment, signUp } from "./testing";

const DEFAULT = "openai/clip-vit-base-patch32";
const BASE_PORT = Number(process.env.E2E_PORT ?? 3100);

interface Fresh {
  url: string;
  stop(): Promise<void>;
}

/** `tsx server/main.ts` (the production build) on its own port, data folder and settings. */
async function freshServer(name: string, port: number, env: Record<string, string>) {
  const dir = `data/e2e-${name}`;
  rmSync(dir, { recursive: true, force: true });
  const child: ChildProcess = spawn("node_modules/.bin/tsx", ["server/main.ts"], {
    env: {
      ...process.env,
      PORT: String(port),
      NODE_ENV: "production",
      CLIPIG_DATA_DIR: dir,
      DATABASE_URL: `file:${dir}/clipig.db`,
      CLIPIG_SIGNUPS_PER_HOUR: "100000",
      CLIPIG_SIGNIN_ATTEMPTS_PER_MINUTE: "1000",
      ...env,
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const url = `http://localhost:${port}`;
  const until = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the ${name} server exited (${child.exitCode})`);
    if (Date.now() > until) throw new Error(`the ${name} server did not start`);
    const up = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  return { url, stop } satisfies Fresh;
}

/** A page in its own browser context on `url`, collecting console errors. */
async function visitor(browser: Browser, url: string) {
  const page = await (
    await browser.newContext({ baseURL: url, viewport: { width: 1440, height: 1000 } })
  ).newPage();
  const errors: string[] = [];
  page.on("console", (m) => m.type() === "error" && errors.push(`${page.url()}: ${m.text()}`));
  page.on("pageerror", (e) => errors.push(`${page.url()}: ${e.message}`));
  return { page, errors };
}

const panel = (page: Page) => page.getByTestId("missing-model");
const status = (page: Page) => page.getByTestId("run-status");
const canvas = (page: Page) => page.getByTestId("live-canvas");

let hub: TestHub;
test.beforeAll(async () => {
  // Slow enough (about 5 s for the 15.6 MB) that the room watches the download happen.
  hub = await startTestHub([DEFAULT], { bytesPerSecond: 3e6 });
});
test.afterAll(() => hub?.close());

test("a newcomer's first run: the room sees the missing model and its download, then the run", async ({
  browser,
}) => {
  test.setTimeout(240_000);
  const server = await freshServer("first-run", BASE_PORT + 10, { CLIPIG_HUB_URL: hub.url });
  try {
    const { page: newcomer, errors } = await visitor(browser, server.url);
    await signUp(newcomer); // the first account: this server's admin
    const id = await newExperiment(newcomer, "My first try", "curly-spoon");
    const { page: friend, errors: friendErrors } = await visitor(browser, server.url);
    await friend.goto(`/e/${id}`);
    await expect(friend.getByTestId("read-only-note")).toBeVisible();

    // As soon as the studio opens, before any Start: which model, its size, what to do.
    for (const page of [newcomer, friend]) {
      await expect(panel(page)).toHaveAttribute("data-model", DEFAULT);
      await expect(panel(page)).toHaveAttribute("data-waiting", "false");
      await expect(panel(page)).toContainText("about 605 MB");
    }
    await expect(friend.getByTestId("model-refused")).toContainText("only this server's admins");
    await expect(newcomer.getByTestId("model-pull")).toBeVisible();
    await expect(status(newcomer)).toHaveAttribute("data-status", "none"); // nothing runs yet

    await newcomer.getByTestId("run-start").click();
    for (const page of [newcomer, friend]) {
      await expect(panel(page)).toHaveAttribute("data-waiting", "true");
      await expect(panel(page)).toHaveAttribute("data-model", DEFAULT);
      await expect(panel(page)).toContainText("about 605 MB");
    }
    await expect(newcomer.getByTestId("room-problem")).toHaveCount(0);
    await expect(friend.getByTestId("model-refused")).toContainText("only this server's admins");
    await expect(newcomer.getByTestId("model-pull")).toBeVisible();

    await newcomer.getByTestId("model-pull").click();
    // Everyone in the room sees the bytes arrive.
    for (const page of [friend, newcomer]) {
      await expect(page.getByTestId("model-download-bytes")).toHaveAttribute(
        "data-received",
        /^[1-9]\d*$/,
        { timeout: 15_000 },
      );
      await expect(page.getByTestId("model-download")).toContainText(/MB\/s/);
    }
    if (process.env.SCREENSHOTS) await newcomer.screenshot({ path: "docs/missing-model.png" });
    // Ready: the waiting start runs by itself, and frames reach both.
    for (const page of [newcomer, friend]) {
      await expect(panel(page)).toHaveCount(0, { timeout: 60_000 });
      await expect(status(page)).toHaveAttribute("data-status", /loading|running|done/, {
        timeout: 60_000,
      });
      await expect(canvas(page)).toHaveAttribute("data-frames", /^[1-9]\d*$/, { timeout: 90_000 });
    }
    await newcomer.getByTestId("run-stop").click();

    await newcomer.goto("/models");
    const row = newcomer.locator(`[data-testid="model-row"][data-model="${DEFAULT}"]`);
    await expect(row).toHaveAttribute("data-status", "installed");
    await expect(row).toContainText("15.6 MB");
    await expect(newcomer.getByTestId("models-store")).toContainText(hub.url);
    await expect(newcomer.getByTestId("models-access")).toContainText("You administer");
    if (process.env.SCREENSHOTS) await newcomer.screenshot({ path: "docs/models.png" });
    await friend.goto("/models");
    await expect(friend.getByTestId("models-access")).toContainText("only this server's admins");
    expect([...errors, ...friendErrors]).toEqual([]);
  } finally {
    await server.stop();
  }
});

test("a download before Start: the room watches it, the panel goes, and Start runs at once", async ({
  browser,
}) => {
  test.setTimeout(240_000);
  const server = await freshServer("pull-first", BASE_PORT + 12, { CLIPIG_HUB_URL: hub.url });
  try {
    const { page: newcomer, errors } = await visitor(browser, server.url);
    await signUp(newcomer);
    const id = await newExperiment(newcomer, "Download first", "curly-spoon");
    const { page: friend, errors: friendErrors } = await visitor(browser, server.url);
    await friend.goto(`/e/${id}`);
    await expect(panel(friend)).toHaveAttribute("data-waiting", "false");

    await newcomer.getByTestId("model-pull").click();
    for (const page of [friend, newcomer]) {
      await expect(page.getByTestId("model-download-bytes")).toHaveAttribute(
        "data-received",
        /^[1-9]\d*$/,
        { timeout: 15_000 },
      );
      await expect(panel(page)).toHaveAttribute("data-waiting", "false");
    }
    // In: the panel goes for everyone, and nothing runs until someone presses Start.
    for (const page of [newcomer, friend]) {
      await expect(panel(page)).toHaveCount(0, { timeout: 60_000 });
      await expect(status(page)).toHaveAttribute("data-status", "none");
    }
    await newcomer.getByTestId("run-start").click();
    for (const page of [newcomer, friend])
      await expect(canvas(page)).toHaveAttribute("data-frames", /^[1-9]\d*$/, { timeout: 90_000 });
    await expect(panel(newcomer)).toHaveCount(0);
    await newcomer.getByTestId("run-stop").click();
    expect([...errors, ...friendErrors]).toEqual([]);
  } finally {
    await server.stop();
  }
});

test("downloads not allowed: the room sees why, and the tiny-clip offer runs", async ({
  browser,
}) => {
  test.setTimeout(240_000);
  const sent = hub.seen.bytesSent;
  const server = await freshServer("no-downloads", BASE_PORT + 11, {
    CLIPIG_HUB_URL: hub.url,
    CLIPIG_MODEL_DOWNLOADS: "nobody",
  });
  try {
    const { page: newcomer, errors } = await visitor(browser, server.url);
    await signUp(newcomer);
    const id = await newExperiment(newcomer, "Offline try", "curly-spoon");
    const { page: friend } = await visitor(browser, server.url);
    await friend.goto(`/e/${id}`);

    // Before Start: the panel, why nobody here may download, and the tiny-clip offer.
    for (const page of [newcomer, friend]) {
      await expect(panel(page)).toHaveAttribute("data-waiting", "false");
      await expect(page.getByTestId("model-refused")).toContainText(
        "CLIPIG_MODEL_DOWNLOADS=nobody",
      );
    }
    await expect(newcomer.getByTestId("tiny-clip-offer")).toBeVisible();
    // An unknown name is the error that names it, for everyone, not a download.
    await editor(newcomer).click();
    await newcomer.keyboard.press("Control+End");
    await newcomer.keyboard.type("model: ViT-B/33");
    for (const page of [newcomer, friend]) {
      await expect(page.getByTestId("model-unknown")).toContainText("unknown model 'ViT-B/33'");
      await expect(panel(page)).toHaveCount(0);
    }
    await newcomer.keyboard.press("Backspace");
    await newcomer.keyboard.type("2");
    for (const page of [newcomer, friend]) {
      await expect(panel(page)).toHaveAttribute("data-model", DEFAULT);
      await expect(page.getByTestId("model-unknown")).toHaveCount(0);
    }

    await newcomer.keyboard.press("Alt+s");
    for (const page of [newcomer, friend]) {
      await expect(panel(page)).toHaveAttribute("data-waiting", "true");
      await expect(panel(page)).toHaveAttribute("data-model", DEFAULT);
      await expect(page.getByTestId("model-refused")).toContainText(
        "this server does not download models from the web",
      );
      await expect(page.getByTestId("model-pull")).toHaveCount(0);
    }
    const offer = newcomer.getByTestId("tiny-clip-offer");
    await expect(offer).toContainText("its images are meaningless");
    await expect(friend.getByTestId("tiny-clip-offer")).toHaveCount(0); // a viewer cannot run
    await offer.getByTestId("run-tiny-clip").click();

    for (const page of [newcomer, friend]) {
      await expect(panel(page)).toHaveCount(0, { timeout: 30_000 });
      await expect(canvas(page)).toHaveAttribute("data-frames", /^[1-9]\d*$/, { timeout: 90_000 });
      await expect(page.getByTestId("tiny-clip-notice")).toBeVisible();
    }
    await newcomer.getByTestId("run-stop").click();
    // The text still names the missing model: the next Start's panel is back once the run ends.
    for (const page of [newcomer, friend])
      await expect(panel(page)).toHaveAttribute("data-waiting", "false", { timeout: 30_000 });
    expect(hub.seen.bytesSent).toBe(sent); // nothing was downloaded
    expect(errors).toEqual([]);
  } finally {
    await server.stop();
  }
});
