import { test, expect } from "@playwright/test";

test("home page renders the gallery", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Gallery" })).toBeVisible();
  await expect(page.getByText("CLIPig")).toBeVisible();
  await expect(page.getByTestId("gallery-empty").or(page.getByTestId("gallery"))).toBeVisible();
});
