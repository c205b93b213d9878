import { defineConfig, devices } from "@playwright/test";
import { chromiumLaunchOptions } from "./tests/helpers/chromium";

export default defineConfig({
  testDir: "tests/e2e",
  outputDir: "test-results",
  // One server and one fake gateway per worker; the tests share them in order.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"], ["html", { open: "never", outputFolder: "playwright-report" }]],
  use: {
    ...devices["Desktop Chrome"],
    viewport: { width: 1280, height: 800 },
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    launchOptions: chromiumLaunchOptions(),
  },
});
