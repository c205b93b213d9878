import { HOSTILE_ANSWER } from "../fixtures/hostile-answer";
import { toDeltas } from "../fixtures/markdown-answer";
import { expect, test } from "./fixtures";
import { watchHostileEffects } from "./pages/hostile-effects";

const thoughts = Array.from({ length: 30 }, (_, i) => (i === 0 ? "Considering" : ` thought${i}`));
const fullReasoning = thoughts.join("");
const tokens = Array.from({ length: 12 }, (_, i) => (i === 0 ? "Answer" : ` word${i}`));
const fullAnswer = tokens.join("");

test("reasoning grows on screen while the model thinks, folds when the answer starts, and stays after a reload and on a share page", async ({
  chat,
  gateway,
  page,
  browser,
  baseURL,
}, testInfo) => {
  gateway.setDefault({
    reasoning: thoughts,
    reasoningField: "reasoning_content",
    tokens,
    tokenDelayMs: 60,
  });
  await chat.openNewChat();
  await chat.send("Think it over, then answer.");
  const answer = chat.lastAnswer();
  await expect(answer.root).toHaveAttribute("data-status", /thinking|streaming/);

  const sampling = answer.reasoningWhileThinking({ timeoutMs: 15_000 });
  await expect(answer.reasoningToggle).toHaveText(/^Thinking · \d+ s$/);
  await chat.screenshot(testInfo, "0-thinking");
  const seen = await sampling;
  const texts = seen.map((sample) => sample.text);
  expect(texts.length, `reasoning texts seen: ${texts.join(" | ")}`).toBeGreaterThanOrEqual(4);
  for (const [i, text] of texts.entries()) {
    if (i > 0) expect(text.startsWith(texts[i - 1] ?? "")).toBe(true);
    expect(fullReasoning.startsWith(text)).toBe(true);
  }
  // Reasoning on screen is the answer under way: no spinner-only "is thinking…" card.
  for (const { header, status, spinner } of seen) {
    expect(header).toMatch(/^Thinking · \d+ s$/);
    expect(status).toBe("streaming");
    expect(spinner).toBe(false);
  }

  // Once the answer streams, the reasoning folds to how long it took; the answer is the answer only.
  await expect(answer.reasoningToggle).toHaveText(/^Thought for \d+ s$/);
  await expect(answer.reasoningToggle).toHaveAttribute("aria-expanded", "false");
  await expect(answer.reasoningText).toBeHidden();
  await expect(answer.root).toHaveAttribute("data-status", "complete");
  await expect(answer.text).toHaveText(fullAnswer);
  await expect(answer.thinking).toHaveCount(0);
  await chat.screenshot(testInfo, "1-folded");

  await answer.reasoningToggle.click();
  await expect(answer.reasoningToggle).toHaveAttribute("aria-expanded", "true");
  await expect(answer.reasoningText).toBeVisible();
  await expect(answer.reasoningText).toHaveText(fullReasoning);
  await chat.screenshot(testInfo, "2-opened");

  // What was streamed was stored: a reload shows it folded, with all of it inside.
  await page.reload();
  const reloaded = chat.lastAnswer();
  await expect(reloaded.root).toHaveAttribute("data-status", "complete");
  await expect(reloaded.reasoningToggle).toHaveAttribute("aria-expanded", "false");
  await expect(reloaded.reasoningText).toHaveText(fullReasoning);
  await expect(reloaded.text).toHaveText(fullAnswer);
  await reloaded.reasoningToggle.click();
  await expect(reloaded.reasoningText).toBeVisible();

  const viewer = await chat.openAsViewer(browser, baseURL);
  const shared = viewer.locator('[data-testid="message"][data-role="assistant"]').last();
  await expect(shared.getByTestId("reasoning")).toBeVisible();
  await shared.getByTestId("reasoning-toggle").click();
  await expect(shared.getByTestId("reasoning-text")).toHaveText(fullReasoning);
  await expect(shared.getByTestId("streaming-text")).toHaveText(fullAnswer);
  await viewer.screenshot({ path: testInfo.outputPath("3-shared.png") });
  await viewer.context().close();
});

test("reasoning sent inside <think> tags shows as reasoning and never as markup", async ({
  chat,
  gateway,
  page,
}) => {
  gateway.setDefault({ reasoning: thoughts.slice(0, 10), reasoningField: "think", tokens, tokenDelayMs: 20 });
  await chat.openNewChat();
  await chat.send("Think inline.");
  const answer = chat.lastAnswer();
  await expect(answer.root).toHaveAttribute("data-status", "complete");
  await expect(answer.text).toHaveText(fullAnswer);
  await expect(answer.reasoningText).toHaveText(thoughts.slice(0, 10).join(""));
  await expect(page.locator("body")).not.toContainText("<think>");
  await expect(page.locator("body")).not.toContainText("</think>");

  await page.reload();
  await expect(chat.lastAnswer().text).toHaveText(fullAnswer);
  await expect(page.locator("body")).not.toContainText("think>");
});

test("hostile reasoning runs no script, loads nothing and links nowhere", async ({
  chat,
  gateway,
  page,
}, testInfo) => {
  const effects = watchHostileEffects(page);
  gateway.setDefault({ reasoning: toDeltas(HOSTILE_ANSWER, 9), tokens: ["Fine."], tokenDelayMs: 5 });
  await chat.openNewChat();
  await chat.send("Think about this page.");
  const answer = chat.lastAnswer();
  await expect(answer.root).toHaveAttribute("data-status", "complete");
  await answer.reasoningToggle.click();

  // The model's markup is shown as text, for the reader to see.
  await expect(answer.reasoningText).toContainText("<script>window.__pwned = 'script'</script>");
  await expect(
    answer.reasoning.locator("script, iframe, img, object, embed, svg:not(button svg)"),
  ).toHaveCount(0);
  await expect(answer.reasoning.locator("[onerror], [onload], [onmouseover], [onclick]")).toHaveCount(0);
  await expect(answer.reasoning.locator("a")).toHaveCount(0);

  await answer.reasoningText.hover();
  await answer.reasoningText.click();
  await effects.expectNone("reasoning");
  await chat.screenshot(testInfo, "hostile-reasoning");
});

test("the reasoning setting keeps it open or hides it, and is kept by the browser", async ({
  chat,
  gateway,
  page,
}, testInfo) => {
  gateway.setDefault({ reasoning: thoughts.slice(0, 6), tokens, tokenDelayMs: 10 });
  await chat.openNewChat();
  const choose = async (value: "open" | "folded" | "hidden") => {
    await page.getByTestId("settings-button").click();
    await page.getByTestId(`reasoning-${value}`).check();
    await chat.screenshot(testInfo, `settings-${value}`);
    await page.keyboard.press("Escape");
  };

  await choose("open");
  await chat.send("First");
  const open = chat.lastAnswer();
  await expect(open.root).toHaveAttribute("data-status", "complete");
  await expect(open.reasoningToggle).toHaveAttribute("aria-expanded", "true");
  await expect(open.reasoningText).toBeVisible();

  await choose("hidden");
  await expect(open.reasoning).toHaveCount(0);
  await page.reload();
  await expect(chat.lastAnswer().root).toHaveAttribute("data-status", "complete");
  await expect(chat.lastAnswer().reasoning).toHaveCount(0);
  await expect(chat.lastAnswer().text).toHaveText(fullAnswer);
  await choose("folded");
  await expect(chat.lastAnswer().reasoningToggle).toHaveAttribute("aria-expanded", "false");
});
