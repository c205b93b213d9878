import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { ChatPage } from "./pages/chat-page";

// Atlas may ask Quill, and runs the calculator only once the owner approves.
const agentsFile = join(mkdtempSync(join(tmpdir(), "switchboard-agents-")), "agents.json");
writeFileSync(
  agentsFile,
  JSON.stringify([
    {
      id: "atlas",
      name: "Atlas",
      description: "Plans and computes.",
      systemPrompt: "You are Atlas.",
      tools: ["ask_agent", { name: "calculator", requireApproval: true }],
    },
    { id: "quill", name: "Quill", description: "Writes verse.", systemPrompt: "You are Quill." },
  ]),
);
test.use({ serverEnv: { AGENTS_FILE: agentsFile } });

const ASK = JSON.stringify({ agentId: "quill", question: "Write a haiku about the sea." });
const quillTokens = Array.from({ length: 24 }, (_, i) => (i === 0 ? "Waves" : ` fold${i}`));
const quillAnswer = quillTokens.join("");
const atlasTokens = ["Quill", " wrote", " a", " haiku", " for", " you."];
const atlasAnswer = atlasTokens.join("");
const CALCULATE = '{"expression":"6*7"}';

/** A page's activity strip as agent:activity pairs. */
const activityOf = (page: Page) =>
  page
    .getByTestId("agent-activity-item")
    .evaluateAll((items) =>
      items.map((item) => `${item.getAttribute("data-agent-id")}:${item.getAttribute("data-activity")}`),
    );

/** Records in the page every distinct state of the activity strip, as "agent:activity agent:activity". */
async function recordStrip(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { stripSeen: string[] }).stripSeen = seen;
    const note = () => {
      const items = [...document.querySelectorAll('[data-testid="agent-activity-item"]')];
      const now = items
        .map((item) => `${item.getAttribute("data-agent-id")}:${item.getAttribute("data-activity")}`)
        .join(" ");
      if (now !== seen.at(-1)) seen.push(now);
    };
    new MutationObserver(note).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ["data-activity"],
    });
    note();
  });
  return () => page.evaluate(() => (window as unknown as { stripSeen: string[] }).stripSeen);
}

async function expectOneAnswerHoldingQuills(chat: ChatPage) {
  await expect(chat.answers()).toHaveCount(1);
  const atlas = chat.lastAnswer();
  await expect(atlas.root).toHaveAttribute("data-agent-id", "atlas");
  await expect(atlas.root).toHaveAttribute("data-status", "complete");
  const card = atlas.toolCard("ask_agent");
  const quill = card.root.locator('[data-testid="message"][data-agent-id="quill"]');
  await expect(quill).toHaveCount(1);
  await expect(quill).toHaveAttribute("data-status", "complete");
  await expect(quill).toHaveAttribute(
    "data-parent-message-id",
    (await atlas.root.getAttribute("data-message-id")) ?? "",
  );
  await expect(quill.getByTestId("streaming-text")).toHaveText(quillAnswer);
  await expect(atlas.text).toHaveText(atlasAnswer);
}

test("an agent asked by another answers live inside the asking card, for the owner, after a reload and on the share page", async ({
  chat,
  gateway,
  page,
  browser,
  baseURL,
}, testInfo) => {
  gateway.enqueue(
    { toolCalls: [{ name: "ask_agent", arguments: ASK }] },
    { tokens: quillTokens, tokenDelayMs: 150 },
    { tokens: atlasTokens, tokenDelayMs: 40 },
  );
  await chat.openNewChat();
  const strip = await recordStrip(page);
  await chat.send("Ask Quill for a haiku.");
  const atlas = chat.lastAnswer();
  const card = atlas.toolCard("ask_agent");
  const quill = atlas.nestedAnswer("quill");
  await expect(quill.root).toBeAttached();
  const growth = quill.textsWhileStreaming({ timeoutMs: 20_000 });

  await expect(quill.root).toHaveAttribute("data-status", "streaming");
  await expect(quill.root).toHaveAttribute(
    "data-parent-message-id",
    (await atlas.root.getAttribute("data-message-id")) ?? "",
  );
  await expect(quill.root).toHaveAttribute("data-role", "assistant");
  // It is inside the card of the call that asked, and not an answer of the list.
  await expect(card.root.locator('[data-testid="message"][data-agent-id="quill"]')).toHaveCount(1);
  await expect(chat.answers()).toHaveCount(1);
  await expect(card.status).toHaveText("Waiting for the answer…");
  await expect(atlas.text).toHaveText("");
  await expect(page.locator('[data-testid="agent-activity-item"][data-agent-id="atlas"]')).toHaveText(
    /Atlas is asking Quill…/,
  );
  await chat.screenshot(testInfo, "0-nested-streaming");
  await page.emulateMedia({ colorScheme: "dark" });
  await chat.screenshot(testInfo, "0-nested-streaming-dark");
  await page.emulateMedia({ colorScheme: "light" });

  const texts = await growth;
  expect(texts.length, texts.join(" | ")).toBeGreaterThanOrEqual(3);
  for (const [i, text] of texts.entries()) {
    expect(quillAnswer.startsWith(text), text).toBe(true);
    if (i > 0) expect(text.length).toBeGreaterThan(texts[i - 1]?.length ?? 0);
  }

  await expect(atlas.root).toHaveAttribute("data-status", "complete", { timeout: 20_000 });
  await expect(card.output).toHaveText(quillAnswer);
  await expect(card.status).toHaveText("Done");
  await expectOneAnswerHoldingQuills(chat);
  await expect(page.getByTestId("agent-activity-item")).toHaveCount(0);
  // Both agents were at work at once: Atlas on its call, Quill writing.
  expect(await strip()).toContain("atlas:tool quill:writing");
  // Atlas's last step read Quill's answer as the call's result.
  const toolResult = gateway.requests[2]?.messages.find((message) => message.role === "tool");
  expect(String(toolResult?.content)).toContain(quillAnswer);
  await chat.screenshot(testInfo, "1-nested-complete");

  await page.reload();
  await expectOneAnswerHoldingQuills(chat);
  await chat.screenshot(testInfo, "2-nested-reloaded");

  const viewer = await chat.openAsViewer(browser, baseURL);
  const shared = new ChatPage(viewer);
  await expectOneAnswerHoldingQuills(shared);
  await expect(viewer.getByTestId("stop-run")).toHaveCount(0);
  await shared.screenshot(testInfo, "3-nested-shared");
  await viewer.context().close();
});

test("the owner can stop the asked agent alone; the asking agent is told and goes on", async ({
  chat,
  gateway,
}, testInfo) => {
  gateway.enqueue(
    { toolCalls: [{ name: "ask_agent", arguments: ASK }] },
    { tokens: quillTokens, tokenDelayMs: 200 },
    { tokens: ["Quill", " stopped."] },
  );
  await chat.openNewChat();
  await chat.send("Ask Quill for a haiku.");
  const atlas = chat.lastAnswer();
  const quill = atlas.nestedAnswer("quill");
  await expect(quill.root).toHaveAttribute("data-status", "streaming");
  await expect(quill.stopButton).toHaveAccessibleName("Stop Quill's answer");
  await quill.stopButton.click();

  await expect(quill.root).toHaveAttribute("data-status", "cancelled");
  await expect(quill.stopButton).toHaveCount(0);
  const card = atlas.toolCard("ask_agent");
  await expect(card.root).toHaveAttribute("data-state", "output-error");
  await expect(card.error).toContainText("Quill's answer was stopped.");
  await expect(atlas.root).toHaveAttribute("data-status", "complete");
  await expect(atlas.text).toHaveText("Quill stopped.");
  await chat.screenshot(testInfo, "nested-stopped");
});

test("a tool that needs approval waits for the owner: the owner approves, a share viewer watches without buttons", async ({
  chat,
  gateway,
  page,
  browser,
  baseURL,
}, testInfo) => {
  gateway.enqueue(
    { toolCalls: [{ name: "calculator", arguments: CALCULATE }] },
    { tokens: ["It", " is", " 42."] },
  );
  await chat.delayAfterApproval(1_500);
  await chat.openNewChat();
  await chat.send("What is 6 times 7?");
  const atlas = chat.lastAnswer();
  const card = atlas.toolCard("calculator");

  await expect(card.root).toHaveAttribute("data-state", "approval-requested");
  await expect(card.approval).toBeVisible();
  await expect(card.approval).toContainText("Atlas wants to run Calculator");
  await expect(card.input).toHaveText('{\n  "expression": "6*7"\n}');
  await expect(card.approval.getByRole("button", { name: "Approve" })).toBeEnabled();
  await expect(card.approval.getByRole("button", { name: "Deny" })).toBeEnabled();
  await expect(card.status).toHaveText("Waiting for approval");
  await expect(card.output).toHaveCount(0);
  await expect(atlas.root).not.toHaveAttribute("data-status", "complete");
  await expect.poll(() => activityOf(page)).toEqual(["atlas:waiting-approval"]);
  await expect(page.getByTestId("agent-activity-item")).toContainText(
    "Atlas is waiting for approval to run calculator",
  );
  await chat.screenshot(testInfo, "0-approval-owner");
  await page.emulateMedia({ colorScheme: "dark" });
  await chat.screenshot(testInfo, "0-approval-owner-dark");
  await page.emulateMedia({ colorScheme: "light" });

  const viewer = await chat.openAsViewer(browser, baseURL);
  const sharedCard = viewer.locator('[data-testid="tool-call"][data-tool-name="calculator"]');
  await expect(sharedCard.getByTestId("tool-approval")).toContainText("Waiting for the owner's approval.");
  await expect(sharedCard.getByTestId("approve-tool")).toHaveCount(0);
  await expect(sharedCard.getByTestId("deny-tool")).toHaveCount(0);
  await expect.poll(() => activityOf(viewer)).toEqual(["atlas:waiting-approval"]);
  await viewer.screenshot({ path: testInfo.outputPath("1-approval-viewer.png") });
  // Nothing ran and the model was not asked again while the call waited.
  expect(gateway.requests).toHaveLength(1);

  await card.approveButton.click();
  // Both buttons hold still until the server has answered.
  await expect(card.approveButton).toBeDisabled();
  await expect(card.approveButton).toHaveAttribute("aria-busy", "true");
  await expect(card.denyButton).toBeDisabled();
  await expect(card.output).toHaveText("42");
  await expect(card.approvalBadge).toHaveText("Approved");
  await expect(card.approval).toHaveCount(0);
  await expect(atlas.root).toHaveAttribute("data-status", "complete");
  await expect(atlas.text).toHaveText("It is 42.");
  await expect(sharedCard.getByTestId("tool-output")).toHaveText("42");
  await expect(sharedCard.getByTestId("tool-approval-badge")).toHaveText("Approved");
  await expect(sharedCard.getByTestId("tool-approval")).toHaveCount(0);
  await chat.screenshot(testInfo, "2-approved");

  await page.reload();
  const reloaded = chat.lastAnswer().toolCard("calculator");
  await expect(reloaded.approvalBadge).toHaveText("Approved");
  await expect(reloaded.output).toHaveText("42");
  await viewer.context().close();
});

test("a denied call does not run: the card says Denied and the model is told so", async ({
  chat,
  gateway,
  page,
}, testInfo) => {
  gateway.enqueue(
    { toolCalls: [{ name: "calculator", arguments: CALCULATE }] },
    { tokens: ["Understood,", " I", " will", " not", " compute", " it."] },
  );
  await chat.openNewChat();
  await chat.send("What is 6 times 7?");
  const atlas = chat.lastAnswer();
  const card = atlas.toolCard("calculator");
  await card.denyButton.click();

  await expect(card.root).toHaveAttribute("data-state", "output-error");
  await expect(card.approvalBadge).toHaveText("Denied");
  await expect(card.status).toHaveText("Not run");
  await expect(card.error).toHaveText("The user denied this call, so it was not run.");
  await expect(card.output).toHaveCount(0);
  await expect(atlas.root).toHaveAttribute("data-status", "complete");
  await expect(atlas.text).toHaveText("Understood, I will not compute it.");
  const told = gateway.requests[1]?.messages.find((message) => message.role === "tool");
  expect(String(told?.content)).toContain("The user denied this call, so it was not run.");
  await chat.screenshot(testInfo, "denied");

  await page.reload();
  await expect(chat.lastAnswer().toolCard("calculator").approvalBadge).toHaveText("Denied");
});

test("an answer that comes too late, as from a second tab after the first approved, is shown on the card", async ({
  chat,
  gateway,
  page,
}, testInfo) => {
  gateway.enqueue(
    { toolCalls: [{ name: "calculator", arguments: CALCULATE }] },
    { tokens: ["It", " is", " 42."] },
  );
  await chat.openNewChat();
  await chat.send("What is 6 times 7?");
  const card = chat.lastAnswer().toolCard("calculator");
  await expect(card.approveButton).toBeVisible();

  // The second tab hears nothing of the run from the approval on, so it still offers the buttons.
  const late = await page.context().newPage();
  let joined: () => void = () => {};
  const hasJoined = new Promise<void>((resolve) => {
    joined = resolve;
  });
  await late.routeWebSocket(/\/socket\.io\//, (ws) => {
    const server = ws.connectToServer();
    let deaf = false;
    ws.onMessage((message) => server.send(message));
    server.onMessage((message) => {
      const text = String(message);
      // Engine.IO message 4, Socket.IO ack 3 or event 2: 43<id>[…] answers the join, 42[…] is an event.
      if (/^43\d+\[\{"ok":true,"conversation"/.test(text)) joined();
      deaf ||= /"approval":"approved"/.test(text);
      if (!(deaf && text.startsWith("42"))) ws.send(message);
    });
  });
  // The join is answered over long-polling or, once upgraded, over the WebSocket.
  const joinedByPolling = late.waitForResponse(
    async (response) =>
      response.url().includes("/socket.io/") && (await response.text()).includes('"ok":true,"conversation"'),
  );
  joinedByPolling.catch(() => {});
  await late.goto(page.url());
  await Promise.race([hasJoined, joinedByPolling]);
  const lateCard = late.locator('[data-testid="tool-call"][data-tool-name="calculator"]');
  await expect(lateCard.getByTestId("approve-tool")).toBeVisible();

  await card.approveButton.click();
  await expect(card.output).toHaveText("42");
  await lateCard.getByTestId("deny-tool").click();
  await expect(lateCard.getByTestId("tool-approval-error")).toContainText("not waiting for approval");
  await expect(lateCard.getByTestId("deny-tool")).toBeEnabled();
  await late.screenshot({ path: testInfo.outputPath("approval-too-late.png") });
  await late.close();
});
