import { expect, test } from "@playwright/test";
import { editor, invite, newExperiment, person, typeAtEndOfLine, unique } from "./testing";

test("two people co-edit one experiment: text, named cursor, diagnostics, and a reload loses nothing", async ({
  browser,
}) => {
  const { page: alice } = await person(browser, "alice");
  const { page: bob, name: bobName } = await person(browser, "bob");
  const id = await newExperiment(alice, unique("Co-edit"), "quick-test");
  await invite(alice, bobName, "editor");
  await bob.goto(`/e/${id}`);
  await expect(editor(bob)).toContainText("a curly spoon");
  for (const page of [alice, bob]) await expect(page.getByTestId("presence-avatar")).toHaveCount(2);
  const aliceName = await alice
    .locator('[data-testid="presence-avatar"][data-self="true"]')
    .getAttribute("data-name");
  expect(aliceName).toBeTruthy();

  await typeAtEndOfLine(alice, 1, "  # hello from Alice");
  await expect(editor(bob)).toContainText("# hello from Alice");
  // Bob sees Alice's caret, labelled with her name.
  await expect(bob.locator(".cm-ySelectionInfo")).toHaveText(aliceName!);

  // Bob breaks the experiment; both see the CLI's message at the right place, and Start is blocked.
  await editor(bob).click();
  await bob.keyboard.press("Control+Home");
  await bob.keyboard.type("optimizer: bogus\n");
  const message =
    "optimizer (line 1, col 12): 'bogus' is not one of adam, sgd, sparse_adam, adadelta, rmsprob";
  for (const page of [alice, bob]) {
    await expect(page.getByTestId("diagnostic").first()).toHaveText(message);
    await expect(page.locator(".cm-lintRange-error")).toHaveCount(1);
    await expect(page.getByTestId("run-start")).toBeDisabled();
  }

  await bob.reload();
  await expect(editor(bob)).toContainText("optimizer: bogus");
  await expect(editor(bob)).toContainText("# hello from Alice");
  await expect(bob.getByTestId("diagnostic").first()).toHaveText(message);

  // Per-user undo: Bob's Ctrl-Z after reload has nothing of his to undo; Alice's undo removes only her line.
  await editor(alice).click();
  await alice.keyboard.press("Control+z");
  for (const page of [alice, bob]) {
    await expect(editor(page)).not.toContainText("hello from Alice");
    await expect(editor(page)).toContainText("optimizer: bogus");
  }
});

test("a saved revision restores for everyone in the room", async ({ browser }) => {
  const { page: alice } = await person(browser, "alice");
  const { page: bob, name: bobName } = await person(browser, "bob");
  const id = await newExperiment(alice, unique("Revisions"), "curly-spoon");
  await invite(alice, bobName, "editor");
  await bob.goto(`/e/${id}`);
  await expect(editor(bob)).toContainText("a curly spoon");

  await alice.getByTestId("tab-revisions").click();
  await alice.getByTestId("revision-name").fill("the spoon");
  await alice.getByTestId("revision-save").click();
  await expect(alice.getByTestId("revision")).toHaveCount(1);

  await typeAtEndOfLine(bob, 3, " with sprinkles");
  await expect(editor(alice)).toContainText("a curly spoon with sprinkles");
  await alice.getByTestId("revision-restore").click();
  for (const page of [alice, bob]) await expect(editor(page)).not.toContainText("sprinkles");
  await expect(editor(bob)).toContainText("a curly spoon");
});

test("a private experiment does not exist for anyone else", async ({ browser }) => {
  const { page: owner } = await person(browser, "owner");
  const stranger = await (await browser.newContext()).newPage();
  const id = await newExperiment(owner, unique("Secret"), "curly-spoon", "private");
  const response = await stranger.goto(`/e/${id}`);
  expect(response?.status()).toBe(404);
  await expect(stranger.getByTestId("not-found")).toBeVisible();
});
