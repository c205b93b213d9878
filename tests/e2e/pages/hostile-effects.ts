import { expect, type Page } from "@playwright/test";

/**
 * Watches what hostile model output might make the page do: requests to the
 * bait's `/pwned/` URLs, dialogs, and the `window.__pwned` its scripts set.
 * `expectNone` asserts none of it happened and the page did not navigate away.
 */
export function watchHostileEffects(page: Page) {
  const fetched: string[] = [];
  page.on("request", (request) => {
    if (request.url().includes("/pwned/")) fetched.push(request.url());
  });
  const dialogs: string[] = [];
  page.on("dialog", async (dialog) => {
    dialogs.push(dialog.message());
    await dialog.dismiss();
  });
  return {
    async expectNone(what: string) {
      await page.waitForTimeout(300);
      expect(await page.evaluate(() => (window as { __pwned?: unknown }).__pwned ?? null)).toBeNull();
      expect(fetched, `requests the ${what} made the browser send`).toEqual([]);
      expect(dialogs).toEqual([]);
      await expect(page).toHaveURL(/\/c\/[^/]+$/);
    },
  };
}
