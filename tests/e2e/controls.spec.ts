import { expect, test } from "./fixtures";

const words = (count: number, prefix = "word") => Array.from({ length: count }, (_, i) => `${prefix}${i} `);

test("Stop ends a streaming answer, keeps its text and closes the upstream request", async ({
  chat,
  gateway,
}) => {
  gateway.setDefault({ tokens: words(200), tokenDelayMs: 100 });
  await chat.openNewChat();
  await chat.send("Go on for a while.");

  const answer = chat.lastAnswer();
  await expect(answer.root).toHaveAttribute("data-status", "streaming");
  await expect(answer.text).toContainText("word2");
  await chat.stopButton.click();

  await expect(answer.root).toHaveAttribute("data-status", "cancelled");
  await expect(chat.stopButton).toHaveCount(0);
  await expect(chat.composer).toBeFocused();
  expect(await answer.textLength()).toBeGreaterThan(0);
  const [request] = await gateway.waitForRequests(1);
  await expect.poll(() => request?.clientClosedAt ?? request?.finishedAt).toBeDefined();
  expect(request?.finishedAt).toBeUndefined();
});

test("Esc stops the answer while the composer has focus", async ({ chat, gateway }) => {
  gateway.setDefault({ tokens: words(200), tokenDelayMs: 100 });
  await chat.openNewChat();
  await chat.send("Another long one.");
  await expect(chat.lastAnswer().root).toHaveAttribute("data-status", "streaming");
  await chat.composer.press("Escape");
  await expect(chat.lastAnswer().root).toHaveAttribute("data-status", "cancelled");
});

test("a failed answer keeps its partial text, explains the error and can be retried", async ({
  chat,
  gateway,
}, testInfo) => {
  gateway.enqueue({
    tokens: ["Partial", " answer", " that", " breaks", " here"],
    dropAfter: 2,
    tokenDelayMs: 30,
  });
  gateway.setDefault({ tokens: ["Second", " time", " lucky."], tokenDelayMs: 20 });
  await chat.openNewChat();
  await chat.send("Please answer.");

  const failed = chat.lastAnswer();
  await expect(failed.root).toHaveAttribute("data-status", "error");
  await expect(failed.root.getByTestId("error-banner")).toBeVisible();
  await expect(failed.text).toContainText("Partial answer");
  await chat.screenshot(testInfo, "error");

  await failed.root.getByTestId("retry-button").click();
  await expect(chat.composer).toBeFocused();
  await expect(chat.userMessages()).toHaveCount(2);
  await expect(chat.userMessages().last()).toContainText("Please answer.");
  await expect(chat.lastAnswer().root).toHaveAttribute("data-status", "complete");
  await expect(chat.lastAnswer().text).toHaveText("Second time lucky.");
});

test("a shared link shows the conversation read-only and live to another browser", async ({
  chat,
  gateway,
  browser,
  baseURL,
}, testInfo) => {
  gateway.setDefault({ tokens: ["First", " answer."], tokenDelayMs: 10 });
  await chat.openNewChat();
  await chat.send("Hello there");
  await expect(chat.lastAnswer().root).toHaveAttribute("data-status", "complete");

  await chat.page.getByTestId("share-button").click();
  const shareUrl = await chat.page.getByTestId("share-url").textContent();
  expect(shareUrl).toMatch(/\/s\/[^/]+$/);

  // Another browser: a different guest identity that holds only the link.
  const guest = await browser.newContext({ baseURL });
  const viewer = await guest.newPage();
  await viewer.goto(shareUrl ?? "");
  await expect(viewer.getByTestId("message")).toHaveCount(2);
  await expect(viewer.getByTestId("composer-input")).toHaveCount(0);
  await expect(viewer.getByTestId("share-button")).toHaveCount(0);
  await expect(viewer.getByTestId("connection-status")).toHaveAttribute("data-state", "connected");

  gateway.setDefault({ tokens: words(30, "live"), firstTokenDelayMs: 500, tokenDelayMs: 60 });
  await chat.send("Second question");
  const watched = viewer.locator('[data-testid="message"][data-role="assistant"]').last();
  await expect(viewer.getByTestId("message")).toHaveCount(4);
  await expect(watched).toHaveAttribute("data-status", /thinking|streaming/);
  await expect(watched).toHaveAttribute("data-status", "complete");
  await expect(watched.getByTestId("streaming-text")).toHaveText(words(30, "live").join("").trim());
  await viewer.screenshot({ path: testInfo.outputPath("shared-view.png") });
  await guest.close();
});

test("scrolling up during a stream stops following it until scroll-to-latest is pressed", async ({
  chat,
  gateway,
}) => {
  // Paragraphs, so the answer grows taller than the window.
  gateway.setDefault({ tokens: words(400, "line").map((word) => `${word}\n\n`), tokenDelayMs: 15 });
  await chat.openNewChat();
  await chat.send("A very long answer please.");
  const answer = chat.lastAnswer();
  await expect(answer.text).toContainText("line60");

  const scroller = chat.scroller;
  await scroller.evaluate((element) => element.scrollTo({ top: 0 }));
  await expect(chat.page.getByTestId("scroll-to-latest")).toBeVisible();
  const top = await scroller.evaluate((element) => element.scrollTop);
  await chat.page.waitForTimeout(300);
  expect(await scroller.evaluate((element) => element.scrollTop)).toBe(top);

  await chat.page.getByTestId("scroll-to-latest").click();
  await expect(chat.page.getByTestId("scroll-to-latest")).toHaveCount(0);
  await expect(answer.root).toHaveAttribute("data-status", "complete", { timeout: 20_000 });
  await expect
    .poll(() =>
      scroller.evaluate((element) => element.scrollHeight - element.scrollTop - element.clientHeight),
    )
    .toBeLessThan(10);
});

for (const drop of [
  // The transport breaks: Socket.IO restores the session and replays what was missed.
  { how: "a dropped transport", code: "socket.io.engine.close()" },
  // A fresh session: the client must join again and rebuild from the snapshot.
  { how: "a new session", code: "socket.disconnect(); setTimeout(() => socket.connect(), 300)" },
]) {
  test(`an answer survives ${drop.how} mid-stream with no words missing or doubled`, async ({
    chat,
    gateway,
  }) => {
    // Long enough that a slow machine still sees it stream after the drop.
    const tokens = words(80, "t");
    gateway.setDefault({ tokens, tokenDelayMs: 70 });
    await chat.openNewChat();
    await chat.send("Keep going.");
    const answer = chat.lastAnswer();
    await expect(answer.text).toContainText("t5");

    await chat.page.evaluate((code) => {
      const holder = globalThis as unknown as Record<symbol, { socket: unknown } | undefined>;
      const socket = holder[Symbol.for("switchboard.socket")]?.socket;
      new Function("socket", code)(socket);
    }, drop.code);

    // The final text replaces the streamed one, so gaps or doubles show only while streaming.
    const full = tokens.join("");
    const shown = await answer.textsWhileStreaming({ timeoutMs: 15_000 });
    expect(shown.length).toBeGreaterThan(5);
    for (const text of shown)
      expect(full.startsWith(text), `"${text}" is not a prefix of the answer`).toBe(true);
    await expect(chat.connectionStatus).toHaveAttribute("data-state", "connected");
    await expect(answer.root).toHaveAttribute("data-status", "complete");
    await expect(answer.text).toHaveText(full.trim());
  });
}

test("while the gateway rate-limits, the thinking indicator says what the agent waits for", async ({
  chat,
  gateway,
}, testInfo) => {
  gateway.enqueue({ status: 429, retryAfter: "2" });
  gateway.setDefault({ tokens: ["Finally", " here."], tokenDelayMs: 10 });
  await chat.openNewChat();
  await chat.send("Are you busy?");

  const answer = chat.lastAnswer();
  await expect(answer.thinking).toContainText(/is thinking…/);
  await expect(answer.thinking).toContainText(/retrying in/i);
  await chat.screenshot(testInfo, "rate-limited");
  await expect(answer.root).toHaveAttribute("data-status", "complete", { timeout: 15_000 });
  await expect(answer.text).toHaveText("Finally here.");
});

test("reloading mid-stream shows the text so far from the server and keeps streaming", async ({
  chat,
  gateway,
  page,
}) => {
  const tokens = words(60, "r");
  gateway.setDefault({ tokens, tokenDelayMs: 100 });
  await chat.openNewChat();
  await chat.send("Stream while I reload.");
  await expect(chat.lastAnswer().text).toContainText("r10");
  await expect(page).toHaveURL(/\/c\//);

  await page.reload();
  const answer = chat.lastAnswer();
  // Rendered on the server with at least the text this page had shown before the reload.
  expect(await answer.textLength()).toBeGreaterThanOrEqual("r0 r1 r2 r3 r4 r5 r6 r7 r8 r9 r10".length);
  await expect(answer.root).toHaveAttribute("data-status", "streaming");
  await expect(chat.stopButton).toBeVisible();
  const full = tokens.join("");
  const shown = await answer.textsWhileStreaming({ timeoutMs: 15_000 });
  expect(shown.length).toBeGreaterThan(5);
  for (const text of shown)
    expect(full.startsWith(text), `"${text}" is not a prefix of the answer`).toBe(true);
  await expect(answer.root).toHaveAttribute("data-status", "complete");
  await expect(answer.text).toHaveText(full.trim());
});
