import type { Page } from "@playwright/test";
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

/** Records, in the page, every agent:activity pair the strip shows, in the order they first appear. */
async function recordActivity(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { activitySeen: string[] }).activitySeen = seen;
    const note = () => {
      for (const item of document.querySelectorAll('[data-testid="agent-activity-item"]')) {
        const key = `${item.getAttribute("data-agent-id")}:${item.getAttribute("data-activity")}`;
        if (!seen.includes(key)) seen.push(key);
      }
    };
    new MutationObserver(note).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ["data-activity"],
    });
    note();
  });
  return () => page.evaluate(() => (window as unknown as { activitySeen: string[] }).activitySeen);
}

test("the activity strip says who is doing what, to the owner and to a share viewer, and empties when they are done", async ({
  chat,
  gateway,
  page,
  browser,
  baseURL,
}, testInfo) => {
  gateway.setDefault({ tokens: ["Ready."] });
  await chat.openNewChat();
  await chat.send("Ready?");
  await expect(chat.lastAnswer().root).toHaveAttribute("data-status", "complete");
  const viewer = await chat.openAsViewer(browser, baseURL);
  await expect(viewer.getByTestId("agent-activity")).toBeAttached();
  await expect(viewer.getByTestId("agent-activity-item")).toHaveCount(0);

  // Atlas reasons, calls the calculator, then writes; Quill thinks a while, then writes.
  const words = Array.from({ length: 20 }, (_, i) => ` w${i}`);
  gateway.setDefault((request) => {
    const atlas = String(request.messages[0]?.content ?? "").includes("You are Atlas");
    if (!atlas) return { firstTokenDelayMs: 2_000, tokens: words, tokenDelayMs: 120 };
    if (request.messages.some((message) => message.role === "tool"))
      return { tokens: words, tokenDelayMs: 120 };
    return {
      reasoning: Array.from({ length: 8 }, (_, i) => `step ${i}. `),
      toolCalls: [{ name: "calculator", arguments: '{"expression":"6*7"}', chunks: 6 }],
      tokenDelayMs: 150,
    };
  });
  const ownerSaw = await recordActivity(page);
  const viewerSaw = await recordActivity(viewer);
  await chat.agentPicker.selectOption({ label: "All agents" });
  await page.getByTestId("turn-mode").locator('[data-mode="parallel"]').click();
  await chat.send("Work on it together.");

  const strip = viewer.getByTestId("agent-activity");
  await expect(strip.getByTestId("agent-activity-item")).toHaveCount(2);
  await expect(strip.locator('[data-agent-id="atlas"]')).toHaveAttribute("data-activity", "tool", {
    timeout: 10_000,
  });
  await expect(strip.locator('[data-agent-id="atlas"]')).toContainText("Atlas is calling calculator…");
  await chat.screenshot(testInfo, "activity-owner");
  await expect(strip.locator('[data-agent-id="quill"]')).toHaveAttribute("data-activity", "writing", {
    timeout: 10_000,
  });
  await expect(strip.locator('[data-agent-id="quill"]')).toContainText("Quill is writing…");

  // When both are done, the strip is empty for everyone.
  for (const p of [page, viewer]) {
    await expect(p.getByTestId("agent-activity-item")).toHaveCount(0, { timeout: 20_000 });
  }
  for (const saw of [await ownerSaw(), await viewerSaw()]) {
    const atlas = saw.filter((key) => key.startsWith("atlas:"));
    expect(atlas.indexOf("atlas:reasoning")).toBeGreaterThanOrEqual(0);
    expect(atlas.indexOf("atlas:tool")).toBeGreaterThan(atlas.indexOf("atlas:reasoning"));
    expect(atlas.indexOf("atlas:writing")).toBeGreaterThan(atlas.indexOf("atlas:tool"));
    const quill = saw.filter((key) => key.startsWith("quill:"));
    expect(quill.slice(0, 1)).toEqual(["quill:thinking"]);
    expect(quill).toContain("quill:writing");
  }
  await viewer.context().close();
});

test("@ in the composer lists the agents; each one picked by keyboard or mouse is asked, in order", async ({
  chat,
  gateway,
  page,
}, testInfo) => {
  gateway.setDefault({ tokens: ["Noted."] });
  await chat.openNewChat();
  const list = page.getByTestId("mention-list");

  await chat.composer.pressSequentially("Hey @qu");
  await expect(list.getByTestId("mention-option")).toHaveCount(1);
  await expect(list.getByTestId("mention-option").first()).toHaveAttribute("data-agent-id", "quill");
  await chat.composer.press("Enter");
  await expect(list).toHaveCount(0);
  await expect(chat.composer).toHaveValue("Hey @Quill ");

  await chat.composer.pressSequentially("and @");
  await expect(list.getByTestId("mention-option")).toHaveCount(2);
  await chat.screenshot(testInfo, "mention-list");
  await chat.composer.press("ArrowDown");
  await chat.composer.press("ArrowUp");
  await expect(list.locator('[aria-selected="true"]')).toHaveAttribute("data-agent-id", "atlas");
  await list.locator('[data-agent-id="atlas"]').click();
  await expect(chat.composer).toHaveValue("Hey @Quill and @Atlas ");
  await expect(chat.composer).toBeFocused();
  // Two agents named: how they answer can be chosen.
  await expect(page.getByTestId("turn-mode")).toBeVisible();

  await chat.composer.pressSequentially("what do you say? @");
  await chat.composer.press("Escape");
  await expect(list).toHaveCount(0);
  await chat.sendButton.click();

  const answers = page.locator('[data-testid="message"][data-role="assistant"]');
  await expect(answers).toHaveCount(2);
  await expect(answers.nth(0)).toHaveAttribute("data-agent-id", "quill");
  await expect(answers.nth(1)).toHaveAttribute("data-agent-id", "atlas");
  for (const index of [0, 1]) await expect(answers.nth(index)).toHaveAttribute("data-status", "complete");
});

test("a message sent while an agent works is shown as queued and can be removed before it starts", async ({
  chat,
  gateway,
  page,
}, testInfo) => {
  // Long enough that the first answer is still streaming however slowly the page is driven; it is stopped at the end.
  const tokens = Array.from({ length: 600 }, (_, i) => ` t${i}`);
  gateway.setDefault({ tokens, tokenDelayMs: 100 });
  await chat.openNewChat();
  await chat.send("Take your time.");
  const first = chat.lastAnswer();
  await expect(first.root).toHaveAttribute("data-status", "streaming");

  await chat.send("Actually, never mind.");
  const queued = page.getByTestId("queued-message");
  await expect(queued).toHaveCount(1);
  await expect(queued).toContainText("Queued");
  await expect(page.getByTestId("agent-activity-item")).toHaveCount(1);
  await chat.screenshot(testInfo, "queued-message");
  await queued.getByTestId("remove-message").click();

  // The message and its waiting answer are gone; the first answer goes on, and nothing waits after it.
  await expect(chat.userMessages()).toHaveCount(1);
  await expect(page.locator('[data-testid="message"][data-role="assistant"]')).toHaveCount(1);
  await expect(first.root).toHaveAttribute("data-status", "streaming");
  await expect(page.getByTestId("agent-activity-item")).toHaveCount(1);
  await chat.stopButton.click();
  await expect(first.root).toHaveAttribute("data-status", "cancelled");
  await expect(page.getByTestId("agent-activity-item")).toHaveCount(0);
  await page.reload();
  await expect(chat.userMessages()).toHaveCount(1);
  expect(gateway.requests).toHaveLength(1);
});

test("agents asked in turn: the strip shows the next one queued until its turn, then at work", async ({
  chat,
  gateway,
  page,
}) => {
  gateway.setDefault({ tokens: Array.from({ length: 40 }, (_, i) => ` q${i}`), tokenDelayMs: 60 });
  await chat.openNewChat();
  const saw = await recordActivity(page);
  await chat.agentPicker.selectOption({ label: "All agents" });
  await chat.send("One after the other, please.");

  const strip = page.getByTestId("agent-activity");
  await expect(strip.locator('[data-agent-id="quill"]')).toHaveAttribute("data-activity", "queued");
  await expect(strip.locator('[data-agent-id="quill"]')).toContainText("Quill is waiting for its turn");
  await expect(strip.locator('[data-agent-id="atlas"]')).toHaveAttribute("data-activity", "writing");
  await expect(page.getByTestId("agent-activity-item")).toHaveCount(0, { timeout: 20_000 });
  const quill = (await saw()).filter((key) => key.startsWith("quill:"));
  expect(quill[0]).toBe("quill:queued");
  expect(quill).toContain("quill:writing");
  expect(quill.indexOf("quill:writing")).toBeGreaterThan(quill.indexOf("quill:queued"));
});
