import { expect, test } from "./fixtures";

const words = (count: number, prefix: string) => Array.from({ length: count }, (_, i) => `${prefix}${i} `);

test("a reload mid-stream continues where the answer was: the text never shrinks and ends as the gateway sent it", async ({
  chat,
  gateway,
  page,
}, testInfo) => {
  // Long enough (6 s) that a reload on a busy machine still lands mid-stream.
  const tokens = words(150, "r");
  const full = tokens.join("");
  gateway.setDefault({ tokens, tokenDelayMs: 40 });
  await chat.openNewChat();
  await chat.send("Stream while I reload.");
  await expect(chat.lastAnswer().text).toContainText("r12");
  const beforeReload = await chat.lastAnswer().currentText();
  await chat.screenshot(testInfo, "reload-1-before");

  await page.reload();
  const answer = chat.lastAnswer();
  const afterReload = await answer.currentText();
  expect(afterReload.length).toBeGreaterThanOrEqual(beforeReload.length);
  expect(full.startsWith(afterReload), "the reloaded page shows a prefix of the answer").toBe(true);
  await expect(answer.root).toHaveAttribute("data-status", "streaming");
  await chat.screenshot(testInfo, "reload-2-after");

  const shown = [afterReload, ...(await answer.textsWhileStreaming({ timeoutMs: 20_000 }))];
  for (const [i, text] of shown.entries()) {
    expect(full.startsWith(text), `"${text}" is not a prefix of the answer`).toBe(true);
    expect(text.length).toBeGreaterThanOrEqual(shown[i - 1]?.length ?? 0);
  }
  await expect(answer.root).toHaveAttribute("data-status", "complete");
  await expect(answer.text).toHaveText(full.trim());
  const stored = await chat.storedConversation();
  expect(stored.messages.at(-1)).toMatchObject({ status: "complete", text: full });
  expect(gateway.requests).toHaveLength(1);
  await chat.screenshot(testInfo, "reload-3-complete");
});

test("a second tab sees the same stream, and a message sent in either tab appears in the other", async ({
  chat,
  gateway,
}, testInfo) => {
  gateway.setDefault({ tokens: ["Ready."], tokenDelayMs: 10 });
  await chat.openNewChat();
  await chat.send("Open me twice.");
  await expect(chat.lastAnswer().root).toHaveAttribute("data-status", "complete");
  const second = await chat.openInNewTab();
  await expect(second.messages).toHaveCount(2);

  const tokens = words(40, "tab");
  gateway.setDefault({ tokens, firstTokenDelayMs: 300, tokenDelayMs: 60 });
  await chat.send("Stream to both tabs.");
  await expect(second.userMessages().last()).toHaveText("Stream to both tabs.", { timeout: 2_000 });
  const watched = second.lastAnswer();
  await expect(watched.root).toHaveAttribute("data-status", /thinking|streaming/);
  await expect(watched.text).toContainText("tab3");
  await second.screenshot(testInfo, "tabs-1-second-tab-streaming");
  const full = tokens.join("");
  for (const text of await watched.textsWhileStreaming({ timeoutMs: 15_000 })) {
    expect(full.startsWith(text), `"${text}" is not a prefix of the answer`).toBe(true);
  }
  await expect(watched.root).toHaveAttribute("data-status", "complete");
  await expect(chat.lastAnswer().root).toHaveAttribute("data-status", "complete");
  await expect(watched.text).toHaveText(full.trim());
  await expect(chat.lastAnswer().text).toHaveText(full.trim());

  gateway.setDefault({ tokens: ["From", " the", " second", " tab."], tokenDelayMs: 30 });
  await second.send("Sent from the second tab.");
  await expect(chat.userMessages().last()).toHaveText("Sent from the second tab.", { timeout: 2_000 });
  await expect(chat.lastAnswer().text).toHaveText("From the second tab.");
  await expect(chat.messages).toHaveCount(6);
  await expect(second.messages).toHaveCount(6);
  await chat.screenshot(testInfo, "tabs-2-first-tab");
  await second.page.close();
});

test("Stop closes the gateway's connection within 500 ms and keeps the partial text, marked cancelled", async ({
  chat,
  gateway,
}, testInfo) => {
  const tokens = words(300, "s");
  gateway.setDefault({ tokens, tokenDelayMs: 40 });
  await chat.openNewChat();
  await chat.send("Go on until I stop you.");
  const answer = chat.lastAnswer();
  await expect(answer.text).toContainText("s8");
  const [request] = await gateway.waitForRequests(1);

  const stoppedAt = await chat.stop();
  await request?.closed;
  expect(request?.finishedAt, "the gateway never finished the answer").toBeUndefined();
  const closedAfterMs = (request?.clientClosedAt ?? Number.POSITIVE_INFINITY) - stoppedAt;
  testInfo.annotations.push({ type: "stop to upstream closed", description: `${closedAfterMs} ms` });
  expect(closedAfterMs).toBeLessThan(500);

  await expect(answer.root).toHaveAttribute("data-status", "cancelled");
  await expect(answer.root).toContainText("Stopped");
  const partial = await answer.currentText();
  expect(partial.length).toBeGreaterThan("s0 s1 s2 s3 s4 s5 s6 s7 s8".length);
  expect(tokens.join("").startsWith(partial.trim())).toBe(true);
  await chat.screenshot(testInfo, "stop-cancelled");

  const stored = await chat.storedConversation();
  expect(stored.messages.at(-1)).toMatchObject({ status: "cancelled" });
  expect(stored.messages.at(-1)?.text.trim()).toBe(partial.trim());
  await chat.page.reload();
  await expect(chat.lastAnswer().root).toHaveAttribute("data-status", "cancelled");
  await expect(chat.lastAnswer().text).toHaveText(partial.trim());
});

test("a send whose acknowledgement is lost with the connection goes again by itself and starts one answer", async ({
  chat,
  gateway,
}, testInfo) => {
  gateway.setDefault({ tokens: ["Only", " once."], tokenDelayMs: 20 });
  const route = await chat.loseNextSendAcknowledgement();
  await chat.openNewChat();
  await chat.send("Did this arrive?");

  await expect(chat.lastAnswer().root).toHaveAttribute("data-status", "complete");
  expect(route.lost()).toBe(true);
  await expect(chat.lastAnswer().text).toHaveText("Only once.");
  await expect(chat.userMessages()).toHaveCount(1);
  await expect(chat.userMessages().first()).toHaveAttribute("data-send-state", "sent");
  await expect(chat.connectionStatus).toHaveAttribute("data-state", "connected");
  expect(gateway.requests).toHaveLength(1);
  const stored = await chat.storedConversation();
  expect(stored.messages.map((message) => [message.role, message.text])).toEqual([
    ["user", "Did this arrive?"],
    ["assistant", "Only once."],
  ]);
  await chat.screenshot(testInfo, "lost-ack-sent-once");
});
