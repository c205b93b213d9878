import { expect, test } from "./fixtures";

const tokens = Array.from({ length: 24 }, (_, i) => (i === 0 ? "Streaming" : ` word${i}`));
const fullText = tokens.join("");

test("an answer shows thinking, then grows token by token, then completes with the full text", async ({
  chat,
  gateway,
  page,
}, testInfo) => {
  // Every chat request gets this answer, whatever else the server may ask the gateway.
  gateway.setDefault({ tokens, firstTokenDelayMs: 1_500, tokenDelayMs: 120 });

  await chat.openNewChat();
  await chat.screenshot(testInfo, "0-new-chat");
  await chat.send("Tell me something, slowly.");

  await expect(chat.userMessages()).toHaveCount(1);
  await expect(chat.userMessages().first()).toContainText("Tell me something, slowly.");
  await expect(chat.composer).toBeFocused();
  await expect(chat.composer).toHaveValue("");

  const answer = chat.lastAnswer();
  await expect(answer.root).toHaveAttribute("data-status", "thinking");
  await expect(answer.thinking).toBeVisible();
  await expect(answer.thinking).toContainText(/\S+ is thinking…/);
  await expect(chat.stopButton).toBeVisible();
  await chat.screenshot(testInfo, "1-thinking");

  // The first send created the conversation; the address follows without a reload.
  await expect(page).toHaveURL(/\/c\/[^/]+$/);

  await expect(answer.root).toHaveAttribute("data-status", "streaming", { timeout: 5_000 });
  await expect(answer.thinking).toHaveCount(0);
  const progressWhileStreaming = Number(await answer.progress.getAttribute("aria-valuenow"));
  expect(progressWhileStreaming).toBeGreaterThanOrEqual(0);
  expect(progressWhileStreaming).toBeLessThan(100);
  await chat.screenshot(testInfo, "2-streaming");

  const lengths = await answer.sampleGrowth({ timeoutMs: 15_000 });
  expect(lengths.length, `text lengths seen while streaming: ${lengths.join(", ")}`).toBeGreaterThanOrEqual(
    4,
  );
  expect(lengths).toEqual([...lengths].sort((a, b) => a - b));

  await expect(answer.root).toHaveAttribute("data-status", "complete");
  await expect(answer.progress).toHaveAttribute("aria-valuenow", "100");
  await expect(answer.text).toHaveText(fullText);
  await expect(chat.stopButton).toHaveCount(0);
  await chat.screenshot(testInfo, "3-complete");

  // What was shown live is what was stored: a reload renders the same answer from the server.
  await page.reload();
  await expect(chat.lastAnswer().root).toHaveAttribute("data-status", "complete");
  await expect(chat.lastAnswer().text).toHaveText(fullText);
});
