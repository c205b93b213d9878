import { expect, test } from "./fixtures";

const tokens = Array.from({ length: 30 }, (_, i) => (i === 0 ? "Side" : ` by${i}`));

test("all agents asked at once stream side by side, each in its own card", async ({
  chat,
  gateway,
  page,
}, testInfo) => {
  gateway.setDefault({ tokens, tokenDelayMs: 100 });
  await chat.openNewChat();

  // The choice appears only when several agents are asked; it starts at "In turn".
  const mode = page.getByTestId("turn-mode");
  await expect(mode).toHaveCount(0);
  await chat.agentPicker.selectOption({ label: "All agents" });
  await expect(mode.locator('[data-mode="sequential"]')).toHaveAttribute("aria-pressed", "true");
  await mode.locator('[data-mode="parallel"]').click();
  await expect(mode.locator('[data-mode="parallel"]')).toHaveAttribute("aria-pressed", "true");

  await chat.send("Both of you, at once.");
  const answers = page.locator('[data-testid="message"][data-role="assistant"]');
  await expect(answers).toHaveCount(2);
  // Both stream at the same moment, neither waiting for the other.
  await expect(
    page.locator('[data-testid="message"][data-role="assistant"][data-status="streaming"]'),
  ).toHaveCount(2, { timeout: 10_000 });
  await expect(answers.first().getByTestId("progress-bar")).toBeVisible();
  await expect(answers.last().getByTestId("progress-bar")).toBeVisible();
  await chat.screenshot(testInfo, "parallel-streaming");

  for (const index of [0, 1]) {
    await expect(answers.nth(index)).toHaveAttribute("data-status", "complete", { timeout: 20_000 });
    await expect(answers.nth(index).getByTestId("streaming-text")).toHaveText(tokens.join(""));
  }
  expect(gateway.requests).toHaveLength(2);
});
