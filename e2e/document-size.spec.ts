import { expect, test } from "@playwright/test";
import { editor, editorText, newExperiment, person, typeAtEndOfLine, unique } from "./testing";

test("a change past the size limit is refused: the editor says why in plain words and offers a reload; the room keeps the saved text", async ({
  browser,
}) => {
  const { page: alice } = await person(browser, "alice");
  const id = await newExperiment(alice, unique("Big paste"), "curly-spoon");
  const watcher = await (await alice.context().browser()!.newContext()).newPage();
  await watcher.goto(`/e/${id}`);
  await expect(editor(watcher)).toContainText("a curly spoon");
  const saved = await editorText(watcher);

  // 70 000 letters in one paste: over the 64 KiB the server allows.
  await typeAtEndOfLine(alice, 1, "");
  await alice.keyboard.insertText(`# ${"x".repeat(70_000)}`);
  const banner = alice.getByTestId("connection-closed");
  await expect(banner).toBeVisible();
  await expect(banner).toHaveAttribute("data-code", "4413");
  await expect(banner).toContainText(
    "Your last change was not saved: it would make this experiment bigger than the server allows (the text may hold at most 64 KiB).",
  );
  await expect(editor(alice)).toHaveAttribute("aria-readonly", "true");
  // Never relayed: the other visitor still sees the saved text, and no reconnect loop brings it.
  await alice.waitForTimeout(1500);
  expect(await editorText(watcher)).toBe(saved);
  await expect(alice.getByTestId("connection-closed")).toHaveCount(1);

  await banner.getByRole("button", { name: "Reload" }).click();
  await expect(editor(alice)).toContainText("a curly spoon");
  expect(await editorText(alice)).toBe(saved);
  await expect(alice.getByTestId("connection-closed")).toHaveCount(0);
});
