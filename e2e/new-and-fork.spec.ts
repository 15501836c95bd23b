import { expect, test } from "@playwright/test";
import { editor, editorText, newExperiment, signUp, typeAtEndOfLine, unique } from "./testing";

test("a new experiment from a walk-through template opens in the studio", async ({ page }) => {
  await page.goto("/");
  await page.getByTestId("nav-new").click();
  // Making something needs an account: sign up, then straight on to /new.
  await expect(page).toHaveURL(/\/signin\?next=(%2F|\/)new$/);
  await page.getByTestId("to-signup").click();
  await expect(page.getByTestId("signup-form")).toBeVisible();
  await page.getByTestId("auth-username").fill(`plate${Date.now().toString(36)}`);
  await page.getByTestId("auth-password").fill("a pig in a tiny field");
  await page.getByTestId("auth-submit").click();
  await expect(page).toHaveURL(/\/new$/);
  const title = unique("Plate");
  await page.getByTestId("new-title").fill(title);
  await page.getByText("Noise and blur").click();
  await expect(page.getByLabel("Template preview")).toContainText("a curly spoon on a plate");
  await page.getByTestId("create-experiment").click();
  await page.waitForURL(/\/e\/[\w-]+$/);
  await expect(editor(page)).toContainText("kernel_size: 31*ti");
  await expect(page.getByTestId("studio-title")).toHaveValue(title);
  await expect(page.getByTestId("diagnostics")).toContainText("valid experiment");
  await expect(page.getByTestId("tiny-clip-notice")).toHaveCount(0);

  await page.goto("/new");
  await expect(page.getByTestId("my-experiments")).toContainText(title);
});

test("forking copies the live text and links back; the original stays as it was", async ({
  page,
}) => {
  await signUp(page);
  const title = unique("Spoons");
  const id = await newExperiment(page, title, "curly-spoons");
  await expect(page.getByTestId("tiny-clip-notice")).toHaveCount(0);
  const original = await editorText(page);

  await page.getByTestId("fork").click();
  await page.waitForURL((url) => url.pathname.startsWith("/e/") && !url.pathname.endsWith(id));
  await expect(editor(page)).toContainText("a lot of curly spoons");
  expect(await editorText(page)).toBe(original);
  await expect(page.getByTestId("studio-title")).toHaveValue(`${title} (fork)`);
  await expect(page.getByTestId("forked-from")).toContainText(title);

  await typeAtEndOfLine(page, 4, " in a fork");
  await expect(editor(page)).toContainText("curly spoons in a fork");
  await page.getByTestId("forked-from").click();
  await page.waitForURL(new RegExp(`/e/${id}$`));
  await expect(editor(page)).toContainText("a lot of curly spoons");
  expect(await editorText(page)).toBe(original);
  await expect(page.getByTestId("studio-title")).toHaveValue(title);
});

test("completion and hover docs come from the parameter table", async ({ page }) => {
  await signUp(page);
  await newExperiment(page, unique("Completion"), "curly-spoon");
  await editor(page).click();
  await page.keyboard.press("Control+End");
  await page.keyboard.type("learnr");
  const options = page.locator(".cm-tooltip-autocomplete .cm-completionLabel");
  await expect(options).toHaveText(["learnrate", "learnrate_scale"]);
  await options.getByText("learnrate", { exact: true }).click();
  await expect(editor(page)).toContainText("learnrate: ");
  await page.locator(".cm-line", { hasText: "features:" }).getByText("features").hover();
  await expect(page.locator(".cm-param-doc")).toContainText(
    "Texts or images this target pulls towards.",
  );
});
