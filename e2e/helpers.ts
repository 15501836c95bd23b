/** What a person does over and over in the specs: make an experiment, read and type in the editor. */
import { expect, type Page } from "@playwright/test";

export const editor = (page: Page) => page.locator(".cm-content");

/** Creates an experiment through /new and returns its id once the studio shows its text. */
export async function newExperiment(
  page: Page,
  title: string,
  template: string,
  visibility = "public",
): Promise<string> {
  await page.goto("/new");
  await page.getByTestId("new-title").fill(title);
  await page.locator(`label:has([data-testid="template-${template}"])`).click();
  if (visibility !== "public") await page.getByLabel("Who can open it").selectOption(visibility);
  await page.getByTestId("create-experiment").click();
  await page.waitForURL(/\/e\/[\w-]+$/);
  await expect(editor(page)).not.toBeEmpty();
  return new URL(page.url()).pathname.split("/").pop()!;
}

/** The editor's text, line by line (for single-user pages: remote caret labels would add their names). */
export async function editorText(page: Page): Promise<string> {
  return (await page.locator(".cm-content .cm-line").allTextContents()).join("\n");
}

/** Moves the caret to the end of line `line` (1-based) and types there. */
export async function typeAtEndOfLine(page: Page, line: number, text: string) {
  await editor(page).click();
  await page.keyboard.press("Control+Home");
  for (let i = 1; i < line; i++) await page.keyboard.press("ArrowDown");
  await page.keyboard.press("End");
  await page.keyboard.type(text);
}

export const unique = (what: string) =>
  `${what} ${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
