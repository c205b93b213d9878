import { HOSTILE_ANSWER } from "../fixtures/hostile-answer";
import { MARKDOWN_ANSWER, toDeltas } from "../fixtures/markdown-answer";
import { expect, test } from "./fixtures";
import { watchHostileEffects } from "./pages/hostile-effects";
import { Sidebar } from "./pages/sidebar";

const words = (count: number) => Array.from({ length: count }, (_, i) => (i === 0 ? "Word0" : ` word${i}`));

test("a newcomer picks an agent, asks by keyboard alone and finds the conversation in the sidebar", async ({
  chat,
  gateway,
  page,
}, testInfo) => {
  gateway.setDefault({ tokens: words(12), tokenDelayMs: 40 });
  await chat.openNewChat();
  const sidebar = new Sidebar(page);
  await expect(sidebar.items).toHaveCount(0);
  await expect(sidebar.root).toContainText("Your conversations will appear here.");

  // Keyboard only: the composer has focus; Shift+Tab reaches the agent picker... and back.
  await expect(chat.composer).toBeFocused();
  await chat.agentPicker.focus();
  await chat.agentPicker.selectOption({ label: "Quill" });
  await chat.composer.focus();
  await page.keyboard.type("First line");
  await page.keyboard.press("Shift+Enter");
  await page.keyboard.type("second line");
  await expect(chat.composer).toHaveValue("First line\nsecond line");
  await chat.screenshot(testInfo, "newcomer-0-typed");
  await page.keyboard.press("Enter");

  const answer = chat.lastAnswer();
  await expect(answer.root).toHaveAttribute("data-agent-id", "quill");
  await expect(answer.root).toHaveAttribute("data-status", "complete");
  await expect(answer.text).toHaveText(words(12).join(""));
  await expect(chat.composer).toBeFocused();
  await expect(page).toHaveURL(/\/c\/[^/]+$/);
  const conversationId = page.url().split("/c/")[1] ?? "";

  await expect(sidebar.items).toHaveCount(1);
  await expect(sidebar.item(conversationId)).toHaveAttribute("data-active", "true");
  await expect(sidebar.item(conversationId)).toContainText("First line");
  await chat.screenshot(testInfo, "newcomer-1-answered");
});

test("the thinking card holds while the gateway keeps the first token, counts the wait, then fades into text", async ({
  chat,
  gateway,
}, testInfo) => {
  // Streams for 3 s after the wait, so the streaming state is there to be seen.
  gateway.setDefault({ tokens: words(30), firstTokenDelayMs: 5_000, tokenDelayMs: 100 });
  await chat.openNewChat();
  await chat.send("Take your time.");
  const answer = chat.lastAnswer();
  await expect(answer.thinking).toContainText(/is thinking…/);
  await expect(answer.root).toHaveAttribute("data-status", "thinking");
  // Past a few seconds the card says how long the wait has been.
  await expect(answer.thinking.locator("..")).toContainText(/\b[34] s\b/, { timeout: 4_500 });
  await expect(answer.root).toHaveAttribute("data-status", "thinking");
  await chat.screenshot(testInfo, "thinking-long-wait");
  await expect(answer.root).toHaveAttribute("data-status", "streaming", { timeout: 5_000 });
  await expect(answer.thinking).toHaveCount(0);
  await expect(answer.root).toHaveAttribute("data-status", "complete");
});

test("progress only rises, shows the pace, reaches 100 exactly at completion, and the card settles in place", async ({
  chat,
  gateway,
  page,
}, testInfo) => {
  gateway.setDefault({ tokens: words(80), tokenDelayMs: 60 });
  await chat.openNewChat();
  await chat.send("Count for me.");
  const answer = chat.lastAnswer();

  // Sampled in the page on every frame, so a slow test machine misses nothing.
  const sampling = answer.root.evaluate(
    (card) =>
      new Promise<{ value: number; top: number }[]>((resolve) => {
        const seen: { value: number; top: number }[] = [];
        const sample = () => {
          const status = card.getAttribute("data-status");
          const bar = card.querySelector('[role="progressbar"]');
          if (status === "streaming" && bar) {
            seen.push({
              value: Number(bar.getAttribute("aria-valuenow")),
              top: card.getBoundingClientRect().top,
            });
          }
          if (status === "complete" || status === "error") resolve(seen);
          else requestAnimationFrame(sample);
        };
        sample();
      }),
  );
  await expect(page.getByTestId("tokens-per-second")).toHaveText(/\d+(\.\d)? tok\/s/);
  await chat.screenshot(testInfo, "progress-streaming");
  const samples = await sampling;
  expect(samples.length).toBeGreaterThanOrEqual(5);
  const values = samples.map((sample) => sample.value);
  expect(values, "progress never moves backwards").toEqual([...values].sort((a, b) => a - b));
  expect(Math.max(...values), "progress stays below 100 while streaming").toBeLessThan(100);
  expect(values.at(-1) ?? 0).toBeGreaterThan(values[0] ?? 0);

  await expect(answer.progress).toHaveAttribute("aria-valuenow", "100");
  await expect(answer.eta).toHaveText("Done");
  // The streaming card became the final message: the same element, in the same place.
  const settled = await answer.root.boundingBox();
  expect(Math.abs((settled?.y ?? 0) - (samples.at(-1)?.top ?? 0))).toBeLessThanOrEqual(1);
  await expect(answer.text).toHaveText(words(80).join(""));
  await chat.screenshot(testInfo, "progress-complete");
});

test("Markdown renders while it streams, with highlighted code and a working copy button", async ({
  chat,
  gateway,
  page,
  context,
}, testInfo) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  gateway.setDefault({ tokens: toDeltas(MARKDOWN_ANSWER), tokenDelayMs: 25 });
  await chat.openNewChat();
  await chat.send("Plan it in Markdown.");
  const answer = chat.lastAnswer();

  // Half a fence is already a code block while it streams.
  await expect(answer.text.locator('[data-streamdown="code-block"]')).toBeVisible({ timeout: 10_000 });
  await expect(answer.root).toHaveAttribute("data-status", "complete");
  await expect(answer.text.getByRole("heading", { name: "Plan" })).toBeVisible();
  await expect(answer.text.locator("ol > li")).toHaveCount(3);
  await expect(answer.text.locator("table tr")).toHaveCount(3);
  await expect(answer.text).not.toContainText("**");
  await expect(answer.text).not.toContainText("```");
  // Shiki, in its worker, colours the tokens (plain code has no colour of its own).
  await expect(
    answer.text.locator('[data-streamdown="code-block-body"] span[style*="--shiki-dark"]').first(),
  ).toBeVisible();
  await chat.screenshot(testInfo, "markdown-complete");

  await answer.text.locator('[data-streamdown="code-block-copy-button"]').click();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied.trim()).toBe("const answer = await stream(prompt);\nconsole.log(answer.length);");
});

test("a hostile answer runs no script, loads no frame or image and links nowhere", async ({
  chat,
  gateway,
  page,
}, testInfo) => {
  const effects = watchHostileEffects(page);
  gateway.setDefault({ tokens: toDeltas(HOSTILE_ANSWER, 9), tokenDelayMs: 5 });
  await chat.openNewChat();
  await chat.send("Summarise this page.");
  const answer = chat.lastAnswer();
  await expect(answer.root).toHaveAttribute("data-status", "complete");

  // The model's markup is shown as text, for the reader to see.
  await expect(answer.text).toContainText("<script>window.__pwned = 'script'</script>");
  await expect(answer.text.locator("script, iframe, img, object, embed")).toHaveCount(0);
  await expect(answer.text.locator("[onerror], [onload], [onmouseover], [onclick]")).toHaveCount(0);
  await expect(answer.text.locator('a[href^="javascript:"], a[href^="data:"]')).toHaveCount(0);

  // Try the bait: hover everything, click the links.
  await answer.text.getByText(/onmouseover/).hover();
  for (const link of await answer.text.getByText(/Click me|data link/).all()) await link.click();
  await effects.expectNone("answer");
  await chat.screenshot(testInfo, "hostile-answer");
});

test("the sidebar renames and deletes conversations, and both survive a reload", async ({
  chat,
  page,
}, testInfo) => {
  const created: string[] = [];
  for (const title of ["Alpha plans", "Beta notes"]) {
    await chat.openNewChat();
    const response = await page.request.post("/api/conversations", { data: { title } });
    expect(response.status()).toBe(201);
    created.push(((await response.json()) as { id: string }).id);
  }
  const [alpha = "", beta = ""] = created;
  await page.goto(`/c/${alpha}`);
  const sidebar = new Sidebar(page);
  // Newest first.
  await expect(sidebar.items).toHaveCount(2);
  await expect(sidebar.items.first()).toContainText("Beta notes");
  await expect(sidebar.item(alpha)).toHaveAttribute("data-active", "true");

  await sidebar.rename(alpha, "Alpha, renamed");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Alpha, renamed");
  await sidebar.delete(beta);
  await chat.screenshot(testInfo, "sidebar-after-edits");

  await page.reload();
  await expect(sidebar.items).toHaveCount(1);
  await expect(sidebar.item(alpha)).toContainText("Alpha, renamed");
  expect((await page.request.get(`/api/conversations/${beta}`)).status()).toBe(404);

  // Opening another conversation from the list; deleting the open one starts a new chat.
  await sidebar.delete(alpha);
  await expect(page).toHaveURL(/\/$/);
  await expect(sidebar.items).toHaveCount(0);
});

test("the typewriter setting reveals a fast answer at an even pace and is kept by the browser", async ({
  chat,
  gateway,
  page,
}, testInfo) => {
  const tokens = words(40);
  const full = tokens.join("");
  gateway.setDefault({ tokens, tokenDelayMs: 2 });
  await chat.openNewChat();
  await page.getByTestId("settings-button").click();
  await page.getByTestId("streaming-typewriter").check();
  await page.getByTestId("typewriter-pace").fill("60");
  await chat.screenshot(testInfo, "settings-typewriter");
  await page.keyboard.press("Escape");
  await expect(page.getByTestId("settings-panel")).toBeHidden();

  await chat.send("Go fast.");
  const answer = chat.lastAnswer();
  // The gateway is done in well under a second; the reader still sees the words typed out.
  await expect
    .poll(() =>
      gateway.requests.some((request) => request.path.includes("chat/completions") && request.finishedAt),
    )
    .toBe(true);
  const shownEarly = await answer.textLength();
  expect(shownEarly).toBeLessThan(full.length);
  await expect(answer.root).toHaveAttribute("data-status", "streaming");
  await expect(answer.root).toHaveAttribute("data-status", "complete", { timeout: 15_000 });
  await expect(answer.text).toHaveText(full);

  await page.reload();
  await page.getByTestId("settings-button").click();
  await expect(page.getByTestId("streaming-typewriter")).toBeChecked();
  await expect(page.getByTestId("typewriter-pace")).toHaveValue("60");
});
