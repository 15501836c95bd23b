/**
 * The README's pictures: the gallery and the studio during a run. Opt-in (it writes into docs/):
 * `SCREENSHOTS=1 npx playwright test screenshots`.
 */
import { expect, test } from "@playwright/test";
import { editor, newExperiment, signUp } from "./testing";

test.skip(!process.env.SCREENSHOTS, "writes docs/*.png; run with SCREENSHOTS=1");
test.use({ viewport: { width: 1440, height: 1040 } });

test("gallery and studio screenshots", async ({ page, browser }) => {
  test.setTimeout(120_000);
  await signUp(page);
  for (const title of ["Curly spoons at dawn", "A seamless moss texture", "Lovecraft's birthday"]) {
    await newExperiment(page, title, "quick-test");
    await page.getByTestId("run-start").click();
    await expect(page.getByTestId("run-status")).toHaveAttribute("data-status", "done", {
      timeout: 60_000,
    });
  }
  await newExperiment(page, "Watching it grow", "quick-test");
  await editor(page).click();
  await page.keyboard.press("Control+a");
  await page.keyboard.insertText(
    "model: tiny-clip\nepochs: 3000\nresolution: 64\nsnapshot_interval: 150\ntargets:\n  - features:\n      - text: a curly spoon\n      - text: a wooden table\n    transforms:\n      - random_shift: 0 1\n",
  );
  const friend = await (
    await browser.newContext({ viewport: { width: 1440, height: 1040 } })
  ).newPage();
  await friend.goto(page.url());
  await editor(friend).click();
  await friend.keyboard.press("Control+End");
  await page.keyboard.press("Alt+s");
  await expect(page.getByTestId("snapshots").locator("li")).toHaveCount(3, { timeout: 60_000 });
  await page.screenshot({ path: "docs/studio.png" });
  await page.keyboard.press("Alt+x");
  await page.goto("/");
  await expect(page.getByTestId("render-card")).toHaveCount(3);
  await page.screenshot({ path: "docs/gallery.png" });
});
