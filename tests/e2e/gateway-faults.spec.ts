import { expect, test } from "./fixtures";

// A short silence limit so a stall shows within the test; the first-token limit keeps its long default.
test.use({ serverEnv: { LLM_CHUNK_TIMEOUT_MS: "1500" } });

const words = (count: number, prefix: string) => Array.from({ length: count }, (_, i) => `${prefix}${i} `);

test("a 429 with Retry-After shows rate limited, retrying, then the answer", async ({
  chat,
  gateway,
}, testInfo) => {
  gateway.enqueue({ status: 429, retryAfter: "3" });
  gateway.setDefault({ tokens: ["After", " the", " wait."], tokenDelayMs: 20 });
  await chat.openNewChat();
  await chat.send("Are you busy?");

  const answer = chat.lastAnswer();
  await expect(answer.thinking).toHaveAttribute("data-waiting", "rate_limited");
  await expect(answer.thinking).toContainText(/rate-limiting requests; retrying in 3\.0 s/);
  await expect(answer.root).toHaveAttribute("data-status", "thinking");
  await chat.screenshot(testInfo, "429-rate-limited");
  await expect(answer.root).toHaveAttribute("data-status", "complete", { timeout: 15_000 });
  await expect(answer.text).toHaveText("After the wait.");
  const [limited, retried] = await gateway.waitForRequests(2);
  expect((retried?.receivedAt ?? 0) - (limited?.receivedAt ?? 0)).toBeGreaterThanOrEqual(2_900);
});

test("5xx answers are retried with backoff, visibly, then the answer arrives", async ({
  chat,
  gateway,
}, testInfo) => {
  gateway.enqueue({ status: 503, errorMessage: "overloaded" }, { status: 502 });
  gateway.setDefault({ tokens: ["Back", " up."], tokenDelayMs: 20 });
  await chat.openNewChat();
  await chat.send("Hello?");

  const answer = chat.lastAnswer();
  await expect(answer.thinking).toHaveAttribute("data-waiting", "retrying");
  await expect(answer.thinking).toContainText(/HTTP 50[23]; retrying in/);
  await chat.screenshot(testInfo, "5xx-retrying");
  await expect(answer.root).toHaveAttribute("data-status", "complete", { timeout: 15_000 });
  await expect(answer.text).toHaveText("Back up.");
  const requests = await gateway.waitForRequests(3);
  const gaps = requests.slice(1).map((request, i) => request.receivedAt - (requests[i]?.receivedAt ?? 0));
  expect(gaps[0]).toBeGreaterThanOrEqual(200);
  expect(gaps[1]).toBeGreaterThanOrEqual(400);
});

test("an unknown model is reported at once with the models that exist, and not retried", async ({
  chat,
  gateway,
}, testInfo) => {
  const models = gateway.models;
  gateway.models = ["llama3.1:8b", "qwen2.5:7b"];
  try {
    await chat.openNewChat();
    const sentAt = Date.now();
    await chat.send("Which model are you?");
    const answer = chat.lastAnswer();
    await expect(answer.root).toHaveAttribute("data-status", "error");
    expect(Date.now() - sentAt).toBeLessThan(3_000);
    await expect(answer.errorBanner).toContainText('Model "fake-model" is not available');
    await expect(answer.errorBanner).toContainText("llama3.1:8b, qwen2.5:7b");
    await expect(answer.retryButton).toHaveCount(0);
    await chat.screenshot(testInfo, "404-unknown-model");
    expect(gateway.requests).toHaveLength(1);
  } finally {
    gateway.models = models;
  }
});

test("a connection dropped mid-stream keeps the partial text, says so, and Retry works", async ({
  chat,
  gateway,
}, testInfo) => {
  gateway.enqueue({
    tokens: ["Half", " of", " an", " answer", " and", " more"],
    dropAfter: 4,
    tokenDelayMs: 30,
  });
  gateway.setDefault({ tokens: ["Whole", " answer."], tokenDelayMs: 20 });
  await chat.openNewChat();
  await chat.send("Tell me.");

  const failed = chat.lastAnswer();
  await expect(failed.root).toHaveAttribute("data-status", "error");
  await expect(failed.text).toHaveText("Half of an answer");
  await expect(failed.errorBanner).toContainText("connection to the gateway was lost");
  await chat.screenshot(testInfo, "drop-partial-kept");
  await chat.page.reload();
  await expect(chat.lastAnswer().text).toHaveText("Half of an answer");
  await expect(chat.lastAnswer().errorBanner).toBeVisible();

  await chat.lastAnswer().retryButton.click();
  await expect(chat.lastAnswer().root).toHaveAttribute("data-status", "complete");
  await expect(chat.lastAnswer().text).toHaveText("Whole answer.");
  await expect(chat.messages.filter({ hasText: "Half of an answer" })).toHaveCount(1);
});

test("a stall longer than the between-chunk limit is reported as a timeout, partial text kept", async ({
  chat,
  gateway,
}, testInfo) => {
  gateway.enqueue({ tokens: ["Started", " then", " went", " quiet"], stallAfter: 2, tokenDelayMs: 20 });
  await chat.openNewChat();
  await chat.send("Keep talking.");

  const answer = chat.lastAnswer();
  await expect(answer.text).toHaveText("Started then");
  await expect(answer.root).toHaveAttribute("data-status", "error", { timeout: 5_000 });
  await expect(answer.errorBanner).toContainText("stalled: nothing arrived for 1.5 s");
  await expect(answer.text).toHaveText("Started then");
  await expect(answer.retryButton).toBeVisible();
  await chat.screenshot(testInfo, "stall-timeout");
  const [request] = await gateway.waitForRequests(1);
  await request?.closed;
  expect(request?.clientClosedAt).toBeDefined();
});

test("a model that takes over 20 s to load is shown thinking the whole time, then answers", async ({
  chat,
  gateway,
}, testInfo) => {
  test.setTimeout(60_000);
  const tokens = words(6, "loaded");
  gateway.setDefault({ tokens, firstTokenDelayMs: 21_000, tokenDelayMs: 30 });
  await chat.openNewChat();
  const sentAt = Date.now();
  await chat.send("Wake up, model.");

  const answer = chat.lastAnswer();
  await expect(answer.thinking).toHaveAttribute("data-waiting", "waiting_for_model", { timeout: 8_000 });
  await expect(answer.thinking).toContainText("still loading");
  await chat.page.waitForTimeout(20_000 - (Date.now() - sentAt));
  await expect(answer.root).toHaveAttribute("data-status", "thinking");
  await expect(answer.thinking).toBeVisible();
  await expect(answer.thinking).toContainText(/(19|20|21) s/);
  await chat.screenshot(testInfo, "slow-model-still-thinking");
  await expect(answer.root).toHaveAttribute("data-status", "complete", { timeout: 10_000 });
  await expect(answer.text).toHaveText(tokens.join("").trim());
});
