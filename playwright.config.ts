import { defineConfig } from "@playwright/test";

const PORT = Number(process.env.E2E_PORT ?? 3100);

export default defineConfig({
  testDir: "e2e",
  workers: 1,
  timeout: 60_000,
  // One retry for browser timing on a loaded CI machine; the list reporter names a retried test "flaky".
  retries: 1,
  reporter: [["list"]],
  use: {
    baseURL: `http://localhost:${PORT}`,
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  webServer: {
    // A fresh database and data folder every run: specs start from an empty studio.
    command: "rm -rf data/e2e && tsx server/main.ts",
    url: `http://localhost:${PORT}`,
    reuseExistingServer: false,
    timeout: 120_000,
    env: {
      PORT: String(PORT),
      NODE_ENV: "production",
      CLIPIG_DATA_DIR: "data/e2e",
      DATABASE_URL: "file:data/e2e/clipig.db",
      // Every spec signs up people from the one test address.
      CLIPIG_SIGNUPS_PER_HOUR: "100000",
      CLIPIG_SIGNIN_ATTEMPTS_PER_MINUTE: "1000",
    },
  },
});
