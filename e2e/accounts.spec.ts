/**
 * Accounts and sharing as people use them: sign up, keep an experiment private, invite someone as
 * a viewer (who then watches but cannot edit), revoke them (their open page notices at once), share
 * links, signing out and in, and what anonymous visitors and page headers look like.
 */
import { expect, test } from "@playwright/test";
import {
  editor,
  editorText,
  invite,
  newExperiment,
  PASSWORD,
  person,
  typeAtEndOfLine,
  unique,
} from "./testing";

test("sign up → private experiment → a second user gets 404 → invited as viewer → sees but cannot edit", async ({
  browser,
}) => {
  const { page: alice } = await person(browser, "alice");
  const id = await newExperiment(alice, unique("Private"), "curly-spoon", "private");
  const text = await editorText(alice);

  const { page: bob, name: bobName } = await person(browser, "bob");
  const hidden = await bob.goto(`/e/${id}`);
  expect(hidden?.status()).toBe(404);
  await expect(bob.getByTestId("not-found")).toBeVisible();

  await invite(alice, bobName, "viewer");
  const shown = await bob.goto(`/e/${id}`);
  expect(shown?.status()).toBe(200);
  await expect(editor(bob)).toContainText("a curly spoon");
  await expect(bob.getByTestId("read-only-note")).toContainText("View only");
  await expect(bob.getByTestId("run-start")).toBeDisabled();
  await expect(bob.getByTestId("share")).toHaveCount(0);
  await expect(bob.getByTestId("studio-title")).toHaveAttribute("readonly", "");

  // Typing does nothing in a read-only editor; the owner's edits still arrive live.
  await editor(bob).click();
  await bob.keyboard.type("vandalised");
  expect(await editorText(bob)).toBe(text);
  await typeAtEndOfLine(alice, 1, "  # from alice");
  await expect(editor(bob)).toContainText("# from alice");
  await bob.reload();
  await expect(editor(bob)).toContainText("# from alice");
  await expect(editor(bob)).not.toContainText("vandalised");

  // Revoked: Bob's open page is cut and reloads into "not found".
  await alice.getByTestId("share").click();
  await alice
    .locator(`[data-testid="member"][data-username="${bobName}"]`)
    .getByTestId("member-remove")
    .click();
  await expect(alice.getByTestId("members").getByTestId("member")).toHaveCount(0);
  await expect(bob.getByTestId("not-found")).toBeVisible({ timeout: 15_000 });
});

test("a share link makes its redeemer an editor; a revoked link no longer works", async ({
  browser,
}) => {
  const { page: alice } = await person(browser, "alice");
  const id = await newExperiment(alice, unique("Linked"), "curly-spoon", "private");
  await alice.getByTestId("share").click();
  await alice.getByTestId("link-create-editor").click();
  const url = await alice.getByTestId("link-url").inputValue();
  expect(url).toMatch(/\/join\/[A-Za-z0-9_-]{43}$/);

  // A visitor is asked to sign in first, then comes back to the link.
  const visitor = await (await browser.newContext()).newPage();
  await visitor.goto(url);
  await expect(visitor).toHaveURL(/\/signin\?next=/);
  await visitor.getByTestId("to-signup").click();
  await expect(visitor.getByTestId("signup-form")).toBeVisible();
  await visitor.getByTestId("auth-username").fill(`carol${Date.now().toString(36)}`);
  await visitor.getByTestId("auth-password").fill(PASSWORD);
  await visitor.getByTestId("auth-submit").click();
  await visitor.getByTestId("join").click();
  await visitor.waitForURL(new RegExp(`/e/${id}$`));
  await typeAtEndOfLine(visitor, 1, "  # carol edits");
  await expect(editor(alice)).toContainText("# carol edits");

  await alice.getByTestId("link-revoke").click();
  await expect(alice.getByTestId("links")).toContainText("revoked");
  const { page: dave } = await person(browser, "dave");
  await dave.goto(url);
  await dave.getByTestId("join").click();
  await expect(dave.getByTestId("join-error")).toContainText("not valid");
  expect((await dave.goto(`/e/${id}`))?.status()).toBe(404);
});

test("sign out and back in; a wrong password gets one message", async ({ browser }) => {
  const { page, name } = await person(browser, "erin");
  await page.getByTestId("sign-out").click();
  await expect(page.getByTestId("nav-signin")).toBeVisible();
  await page.goto("/new");
  await expect(page).toHaveURL(/\/signin/);
  await page.getByTestId("auth-username").fill(name);
  await page.getByTestId("auth-password").fill("not the password at all");
  await page.getByTestId("auth-submit").click();
  await expect(page.getByTestId("auth-error")).toHaveText("Wrong username or password");
  await page.getByTestId("auth-password").fill(PASSWORD);
  await page.getByTestId("auth-submit").click();
  await expect(page).toHaveURL(/\/new$/);
  await expect(page.getByTestId("account-name")).toHaveText(name);
});

test("anonymous visitors browse read-only; pages carry the security headers", async ({
  browser,
  request,
}) => {
  const { page: owner } = await person(browser, "frank");
  const id = await newExperiment(owner, unique("Open"), "curly-spoon");
  const visitor = await (await browser.newContext()).newPage();
  await visitor.goto(`/e/${id}`);
  await expect(editor(visitor)).toContainText("a curly spoon");
  await expect(visitor.getByTestId("read-only-note")).toContainText("Sign in");
  await expect(visitor.getByTestId("run-start")).toBeDisabled();

  for (const path of ["/", `/e/${id}`, "/signin", "/does-not-exist"]) {
    const res = await request.get(path);
    const csp = res.headers()["content-security-policy"] ?? "";
    expect(csp, path).toContain("frame-ancestors 'none'");
    expect(csp, path).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+'/);
    expect(csp, path).not.toContain("unsafe-eval");
    expect(res.headers()["x-content-type-options"], path).toBe("nosniff");
    expect(res.headers()["x-frame-options"], path).toBe("DENY");
  }
  const api = await request.get("/api/auth/me");
  expect(api.headers()["x-content-type-options"]).toBe("nosniff");
  expect(await api.json()).toEqual({ user: null });
});
