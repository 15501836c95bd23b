/**
 * The studio's Views tab: what CLIP sees of one target, rendered by the server from the
 * experiment's current text (here the quick-test template's init, before any run).
 */
import { expect, test } from "@playwright/test";
import { newExperiment, signUp, unique } from "./testing";

test("the Views tab renders a target's views as an image, by button and by Alt-V", async ({
  page,
}) => {
  await signUp(page);
  await newExperiment(page, unique("Views"), "quick-test");
  await page.getByTestId("tab-views").click();
  await page.getByTestId("views-render").click();
  const image = page.getByTestId("views-image");
  await expect(image).toBeVisible({ timeout: 30_000 });
  await expect
    .poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
    .toBeGreaterThan(0);
  await expect(page.getByTestId("views-error")).toHaveCount(0);

  // Another seed through the keyboard gives a new image.
  const first = await image.getAttribute("src");
  await page.getByTestId("views-seed").fill("7");
  await page.keyboard.press("Alt+v");
  await expect(image).not.toHaveAttribute("src", first ?? "", { timeout: 30_000 });
  await expect
    .poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
    .toBeGreaterThan(0);
  await expect(page.getByTestId("views-render")).toBeEnabled();
});
