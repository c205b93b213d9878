import { expect, test } from "./fixtures";

const words = (count: number, prefix: string) => Array.from({ length: count }, (_, i) => `${prefix}${i} `);

// A small budget, so a person typing quickly reaches it.
test.use({ serverEnv: { RATE_LIMIT_MESSAGES_PER_MINUTE: "2" } });

test("sending too fast says how long to wait and keeps the unsent text in the composer", async ({
  chat,
  gateway,
}, testInfo) => {
  gateway.setDefault({ tokens: ["Quick", " answer."], tokenDelayMs: 10 });
  await chat.openNewChat();
  await chat.send("First");
  await expect(chat.lastAnswer().root).toHaveAttribute("data-status", "complete");
  await chat.send("Second");
  await expect(chat.lastAnswer().root).toHaveAttribute("data-status", "complete");

  await chat.composer.fill("Third, one too many");
  await chat.sendButton.click();
  const notice = chat.page.getByTestId("rate-limit-notice");
  await expect(notice).toContainText(/too fast.*try again in \d+ s/);
  const first = Number((await notice.textContent())?.match(/in (\d+) s/)?.[1]);
  expect(first).toBeGreaterThan(0);
  expect(first).toBeLessThanOrEqual(60);
  await expect(chat.composer).toHaveValue("Third, one too many");
  // Nothing half-sent stays on screen: two questions, two answers.
  await expect(chat.messages).toHaveCount(4);
  await chat.screenshot(testInfo, "rate-limited");
  // The wait counts down.
  await expect(notice).toContainText(`in ${first - 2} s`, { timeout: 5_000 });
});

test("stopping sharing cuts off a viewer who is reading along, and a new link replaces the old", async ({
  chat,
  gateway,
  browser,
  baseURL,
}, testInfo) => {
  gateway.setDefault({ tokens: words(200, "live"), tokenDelayMs: 40 });
  await chat.openNewChat();
  await chat.send("Tell me a long story");
  await expect(chat.lastAnswer().root).toHaveAttribute("data-status", "streaming");

  await chat.page.getByTestId("share-button").click();
  const shareUrl = (await chat.page.getByTestId("share-url").textContent()) ?? "";
  const guest = await browser.newContext({ baseURL });
  const viewer = await guest.newPage();
  await viewer.goto(shareUrl);
  const watched = viewer.locator('[data-testid="message"][data-role="assistant"]').last();
  await expect(watched).toHaveAttribute("data-status", "streaming");
  // The page was rendered streaming; words arriving after it prove the viewer has joined the live stream.
  const rendered = (await watched.getByTestId("streaming-text").textContent()) ?? "";
  await expect(watched.getByTestId("streaming-text")).not.toHaveText(rendered);

  await chat.page.getByTestId("unshare-button").click();
  await expect(chat.page.getByRole("dialog", { name: "Share link" })).toContainText("The link is off");
  const notice = viewer.getByTestId("conversation-unavailable");
  await expect(notice).toContainText("no longer shared");
  await expect(viewer.getByTestId("message")).toHaveCount(0);
  await viewer.screenshot({ path: testInfo.outputPath("viewer-cut-off.png") });
  // The owner's own answer streams on to the end.
  await expect(chat.lastAnswer().root).toHaveAttribute("data-status", "complete", { timeout: 20_000 });

  const reloaded = await viewer.goto(shareUrl);
  expect(reloaded?.status()).toBe(404);

  await chat.page.getByTestId("share-button").click();
  const newUrl = (await chat.page.getByTestId("share-url").textContent()) ?? "";
  expect(newUrl).toMatch(/\/s\/[^/]+$/);
  expect(newUrl).not.toBe(shareUrl);
  await guest.close();
});
