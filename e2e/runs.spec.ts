/**
 * Live runs for the whole room, on the random-weight tiny-clip model (fast on CPU). These need the
 * run queue (server/runs) and the trainer (server/engine/trainer).
 */
import { expect, test, type Page } from "@playwright/test";
import { editor, editorText, invite, newExperiment, person, signUp, unique } from "./testing";

const canvas = (page: Page) => page.getByTestId("live-canvas");
const status = (page: Page) => page.getByTestId("run-status");
const epochOf = async (page: Page) => Number(await canvas(page).getAttribute("data-epoch"));

/** A tiny-clip experiment long enough to watch, pause and join in the middle (the spec stops it). */
async function slowQuickTest(page: Page, title: string) {
  const id = await newExperiment(page, title, "quick-test");
  await editor(page).click();
  await page.keyboard.press("Control+a");
  await page.keyboard.insertText(
    "model: tiny-clip\nepochs: 10000\nresolution: 48\nsnapshot_interval: 500\ntargets:\n- features:\n  - text: a slow spoon\n",
  );
  await expect(page.getByTestId("diagnostics")).toContainText("valid experiment");
  return id;
}

test("everyone in the room watches one run: start, frames, statistics, pause, a latecomer, stop", async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const { page: alice } = await person(browser, "alice");
  const { page: bob, name: bobName } = await person(browser, "bob");
  const id = await slowQuickTest(alice, unique("Live"));
  await invite(alice, bobName, "editor");
  await bob.goto(`/e/${id}`);
  await expect(editor(bob)).toContainText("a slow spoon");
  await expect(bob.getByTestId("tiny-clip-notice")).toContainText(
    "random weights: images are meaningless, for testing",
  );

  await alice.keyboard.press("Alt+s");
  try {
    for (const page of [alice, bob]) {
      await expect(status(page)).toHaveAttribute("data-status", "running", { timeout: 30_000 });
      await expect(canvas(page)).toHaveAttribute("data-epoch", /\d+/);
    }
    // The frame changes and the statistics move on, for both.
    for (const page of [alice, bob]) {
      const first = await epochOf(page);
      await expect.poll(() => epochOf(page), { timeout: 20_000 }).toBeGreaterThan(first);
      const points = Number(await page.getByTestId("live-charts").getAttribute("data-points"));
      await expect
        .poll(async () => Number(await page.getByTestId("live-charts").getAttribute("data-points")))
        .toBeGreaterThan(points);
    }
    await bob.getByTestId("tab-stats").click();
    await expect(bob.getByTestId("stats-feature")).toContainText("a slow spoon");

    // A third person (a visitor without an account) joins mid-run and sees the current frame at once.
    const carol = await (await browser.newContext()).newPage();
    await carol.goto(`/e/${id}`);
    await expect(canvas(carol)).toHaveAttribute("data-epoch", /\d+/, { timeout: 3_000 });
    expect(await epochOf(carol)).toBeGreaterThan(0);

    // Bob pauses (Alt-P); everyone sees it; Alice resumes with the button.
    await bob.keyboard.press("Alt+p");
    const everyone = [alice, bob, carol];
    for (const page of everyone)
      await expect(status(page)).toHaveAttribute("data-status", "paused");
    await alice.getByTestId("run-resume").click();
    for (const page of everyone)
      await expect(status(page)).toHaveAttribute("data-status", "running");

    // Alice edits the prompt and hot-reloads it (Alt-U): the run goes on with the new text.
    await editor(alice).click();
    await alice.keyboard.press("Control+End");
    await alice.keyboard.press("ArrowUp");
    await alice.keyboard.press("End");
    await alice.keyboard.type(" on ice");
    await expect(editor(bob)).toContainText("a slow spoon on ice");
    await alice.keyboard.press("Alt+u");
    await expect(alice.getByTestId("notice")).toContainText("Updated");
    await expect(bob.getByTestId("stats-feature")).toContainText("a slow spoon on ice", {
      timeout: 20_000,
    });
    await expect(status(bob)).toHaveAttribute("data-status", "running");
    // Another experiment waits for the one run slot, showing its place in the queue.
    const { page: dave } = await person(browser, "dave");
    await newExperiment(dave, unique("Waiting"), "quick-test");
    await dave.getByTestId("run-start").click();
    await expect(status(dave)).toHaveAttribute("data-status", "queued");
    await expect(dave.getByTestId("queue-position")).toHaveText("#1 in the queue");

    // Bob stops it (Alt-X); the waiting run gets its turn.
    await bob.keyboard.press("Alt+x");
    for (const page of everyone)
      await expect(status(page)).toHaveAttribute("data-status", "stopped", { timeout: 20_000 });
    await expect(status(dave)).toHaveAttribute("data-status", "done", { timeout: 60_000 });
  } finally {
    // Never leave a long run holding the queue for the next spec.
    await alice.keyboard.press("Alt+x");
  }
});

test("a finished run lands in the gallery, searchable; forking its render copies its text", async ({
  page,
}) => {
  test.setTimeout(120_000);
  await signUp(page);
  const title = unique("Gallery spoon");
  const id = await newExperiment(page, title, "quick-test");
  const yaml = await editorText(page);
  await page.getByTestId("run-start").click();
  await expect(status(page)).toHaveAttribute("data-status", "done", { timeout: 90_000 });

  await page.goto("/");
  await page.getByTestId("gallery-search").fill(title);
  await page.getByTestId("gallery-search").press("Enter");
  await expect(page.getByTestId("render-card")).toHaveCount(1);
  await expect(page.getByTestId("render-card")).toContainText(title);
  await expect(page.getByTestId("render-card")).toContainText("tiny-clip");
  await page.getByTestId("gallery-search").fill(`${title} nothing like this`);
  await page.getByTestId("gallery-search").press("Enter");
  await expect(page.getByTestId("gallery-empty")).toBeVisible();

  await page.goto(`/?q=${encodeURIComponent(title)}`);
  await page.getByTestId("render-card").click();
  await expect(page.getByTestId("render-heading")).toHaveText(title);
  await expect(page.getByTestId("render-image")).toBeVisible();
  expect(await page.getByTestId("render-yaml").textContent()).toBe(yaml);
  await expect(page.getByTestId("chart-loss").locator("path")).not.toHaveCount(0);

  await page.getByTestId("fork-render").click();
  await page.waitForURL((url) => url.pathname.startsWith("/e/") && !url.pathname.endsWith(id));
  await expect(editor(page)).toContainText("a curly spoon");
  expect(await editorText(page)).toBe(yaml);
  await expect(page.getByTestId("forked-from")).toContainText(title);
  await page.getByTestId("forked-from").click();
  await page.waitForURL(new RegExp(`/e/${id}$`));
  await expect(editor(page)).toContainText("a curly spoon");
  expect(await editorText(page)).toBe(yaml);
});
