import { existsSync } from "node:fs";
import type { LaunchOptions } from "@playwright/test";

/**
 * How the browser tests and the rendering benchmark start Chromium: the
 * distribution's, never a downloaded one (`playwright install` is not used
 * here), with the flags a headless root process on a closed network needs.
 */
export function chromiumLaunchOptions(): LaunchOptions {
  const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (!existsSync(executablePath)) {
    throw new Error(
      `No Chromium at ${executablePath}. The browser tests need one: install it with ` +
        "`apt-get install -y chromium` (Debian/Ubuntu), or point CHROMIUM_PATH at a Chromium or Chrome binary.",
    );
  }
  return {
    executablePath,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  };
}
