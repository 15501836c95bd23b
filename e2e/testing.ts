/**
 * What a person does over and over in the specs: sign up, make an experiment, share it, read and
 * type in the editor.
 */
import { expect, type Browser, type Page } from "@playwright/test";

export const PASSWORD = "a pig in a tiny field";

/** A fresh username (letters and digits, starting with a letter). */
export const uniqueName = (what = "u") =>
  `${what}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`
    .toLowerCase()
    .slice(0, 32);

/** Creates an account through /signup; the page is signed in afterwards. Returns the username. */
export async function signUp(page: Page, name = uniqueName()): Promise<string> {
  await page.goto("/signup");
  await page.getByTestId("auth-username").fill(name);
  await page.getByTestId("auth-password").fill(PASSWORD);
  await page.getByTestId("auth-submit").click();
  await expect(page.getByTestId("account-name")).toHaveText(name);
  return name;
}

/** A new browser (own cookies) with a signed-up person in it. */
export async function person(browser: Browser, what = "u"): Promise<{ page: Page; name: string }> {
  const page = await (await browser.newContext()).newPage();
  return { page, name: await signUp(page, uniqueName(what)) };
}

/** The owner invites `username` with `role` through the studio's sharing panel. */
export async function invite(page: Page, username: string, role: "editor" | "runner" | "viewer") {
  await page.getByTestId("share").click();
  await page.getByTestId("invite-username").fill(username);
  await page.getByTestId("invite-role").selectOption(role);
  await page.getByTestId("invite").click();
  await expect(page.locator(`[data-testid="member"][data-username="${username}"]`)).toBeVisible();
  await page.getByTestId("share").click();
}

export const editor = (page: Page) => page.locator(".cm-content");

/** Creates an experiment through /new (the page must be signed in) and returns its id once the studio shows its text. */
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
