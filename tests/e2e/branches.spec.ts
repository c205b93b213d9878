import type { Locator, Page } from "@playwright/test";
import type { FakeGateway, RecordedRequest, Scenario } from "../fixtures/fake-gateway";
import { expect, test } from "./fixtures";
import { BranchSwitcher, type ChatPage } from "./pages/chat-page";

const FRANCE = "What is the capital of France?";
const ITALY = "What is the capital of Italy?";
const MORE = "And its population?";

/** Each agent answers with its name and the question it was sent, so a test can tell which branch it sees. */
function answerByName(request: RecordedRequest): Scenario {
  const system = request.messages.find((message) => message.role === "system")?.content ?? "";
  const agent = /You are (\w+)/.exec(system)?.[1] ?? "Someone";
  const asked = request.messages.findLast((message) => message.role === "user")?.content ?? "";
  return { tokens: [agent, " on:", ` ${asked}`], tokenDelayMs: 5 };
}
const answerOf = (agent: string, question: string) => `${agent} on: ${question}`;

/** The questions one upstream request carried, in order: the branch the model was shown. */
const questionsSent = (request: RecordedRequest | undefined) =>
  request?.messages.filter((message) => message.role === "user").map((message) => message.content);

/** The conversation as a page shows it: each message's role and words, in order. */
const shownOn = (page: Page) =>
  page
    .locator('[data-testid="message"]:not([data-parent-message-id])')
    .evaluateAll((messages) =>
      messages.map((message) =>
        message.getAttribute("data-role") === "user"
          ? `user: ${message.textContent?.trim().replace(/\s*\d+ \/ \d+$/, "")}`
          : `assistant: ${message.querySelector('[data-testid="streaming-text"]')?.textContent ?? ""}`,
      ),
    );

/** A new chat, its agents answering by name, with FRANCE asked and answered. */
async function startWithFrance(chat: ChatPage, gateway: FakeGateway): Promise<void> {
  gateway.setDefault(answerByName);
  await chat.openNewChat();
  await askAndWait(chat, FRANCE);
}

async function askAndWait(chat: ChatPage, question: string, agent = "Atlas"): Promise<void> {
  await chat.send(question);
  await expect(chat.lastAnswer().text).toHaveText(answerOf(agent, question));
  await expect(chat.lastAnswer().root).toHaveAttribute("data-status", "complete");
}

/** Asks FRANCE, then edits it to ITALY: two branches from the first message, the edit's shown. */
async function twoBranches(chat: ChatPage, gateway: FakeGateway): Promise<Locator> {
  await startWithFrance(chat, gateway);
  const question = chat.userMessages().first();
  await chat.editMessage(question, ITALY);
  await expect(chat.lastAnswer().text).toHaveText(answerOf("Atlas", ITALY));
  await expect(chat.lastAnswer().root).toHaveAttribute("data-status", "complete");
  return question;
}

test("an edited question is asked anew in its place; the switcher goes back to the words before and all that followed them", async ({
  chat,
  gateway,
  page,
}, testInfo) => {
  await startWithFrance(chat, gateway);
  await askAndWait(chat, MORE);
  const first = chat.userMessages().first();

  // Esc closes the editor and leaves the message as it was.
  await first.getByTestId("edit-message").click();
  await expect(first.getByTestId("edit-input")).toHaveValue(FRANCE);
  await chat.screenshotBothThemes(testInfo, "branches-editing");
  await first.getByTestId("edit-input").press("Escape");
  await expect(first.getByTestId("edit-input")).toHaveCount(0);
  await expect(first).toContainText(FRANCE);
  expect(gateway.requests).toHaveLength(2);

  await chat.editMessage(first, ITALY);
  await expect(chat.lastAnswer().text).toHaveText(answerOf("Atlas", ITALY));
  await expect(chat.lastAnswer().root).toHaveAttribute("data-status", "complete");
  expect(await shownOn(page)).toEqual([`user: ${ITALY}`, `assistant: ${answerOf("Atlas", ITALY)}`]);
  const switcher = new BranchSwitcher(first);
  await expect(switcher.position).toHaveText("2 / 2");
  await expect(switcher.next).toBeDisabled();
  // The model read the branch the edit starts, not the words it replaced.
  expect(questionsSent(gateway.requests[2])).toEqual([ITALY]);
  await chat.screenshotBothThemes(testInfo, "branches-edited");

  await switcher.previous.click();
  await expect(switcher.position).toHaveText("1 / 2");
  await expect(switcher.previous).toBeDisabled();
  await expect
    .poll(() => shownOn(page))
    .toEqual([
      `user: ${FRANCE}`,
      `assistant: ${answerOf("Atlas", FRANCE)}`,
      `user: ${MORE}`,
      `assistant: ${answerOf("Atlas", MORE)}`,
    ]);

  await switcher.next.click();
  await expect(switcher.position).toHaveText("2 / 2");
  await expect
    .poll(() => shownOn(page))
    .toEqual([`user: ${ITALY}`, `assistant: ${answerOf("Atlas", ITALY)}`]);
});

test("an answer given again by another agent takes the first one's place; the switcher goes back to it", async ({
  chat,
  gateway,
  page,
}, testInfo) => {
  await startWithFrance(chat, gateway);
  const answer = chat.lastAnswer();

  await answer.regenerateMenu.click();
  await expect(page.getByTestId("regenerate-agent")).toHaveCount(2);
  await chat.screenshotBothThemes(testInfo, "branches-regenerate-menu");
  await page.locator('[data-testid="regenerate-agent"][data-agent-id="quill"]').click();
  await expect(answer.root).toHaveAttribute("data-agent-id", "quill");
  await expect(answer.text).toHaveText(answerOf("Quill", FRANCE));
  await expect(answer.root).toHaveAttribute("data-status", "complete");
  await expect(answer.switcher.position).toHaveText("2 / 2");
  await expect(chat.answers()).toHaveCount(1);
  // Quill was asked the question alone, not shown Atlas's answer to it.
  const [, again] = gateway.requests;
  expect(questionsSent(again)).toEqual([FRANCE]);
  expect(again?.messages.filter((message) => message.role === "assistant")).toEqual([]);
  await expect(answer.regenerateButton).toBeVisible();
  await chat.screenshotBothThemes(testInfo, "branches-regenerated");

  // Without a choice, the same agent answers again.
  await chat.regenerate(answer);
  await expect(answer.switcher.position).toHaveText("3 / 3");
  await expect(answer.root).toHaveAttribute("data-agent-id", "quill");
  await expect(answer.root).toHaveAttribute("data-status", "complete");

  await answer.switcher.previous.click();
  await answer.switcher.previous.click();
  await expect(answer.switcher.position).toHaveText("1 / 3");
  await expect(answer.root).toHaveAttribute("data-agent-id", "atlas");
  await expect(answer.text).toHaveText(answerOf("Atlas", FRANCE));
  await expect(chat.answers()).toHaveCount(1);
});

test("a second tab and a share viewer follow a switch live, and a reload keeps the branch shown", async ({
  chat,
  gateway,
  page,
  browser,
  baseURL,
}, testInfo) => {
  const question = await twoBranches(chat, gateway);
  const tab = await chat.openInNewTab();
  const viewer = await chat.openAsViewer(browser, baseURL);
  await page.getByRole("dialog", { name: "Share link" }).getByRole("button", { name: "Close" }).click();
  const viewerSwitcher = new BranchSwitcher(
    viewer.locator('[data-testid="message"][data-role="user"]').first(),
  );
  // Share viewers see where they are, but only the owner moves.
  await expect(viewerSwitcher.position).toHaveText("2 / 2");
  await expect(viewerSwitcher.previous).toBeDisabled();
  await expect(tab.page.getByTestId("branch-position")).toHaveText("2 / 2");

  await new BranchSwitcher(question).previous.click();
  const firstBranch = [`user: ${FRANCE}`, `assistant: ${answerOf("Atlas", FRANCE)}`];
  for (const other of [tab.page, viewer]) {
    await expect.poll(() => shownOn(other)).toEqual(firstBranch);
  }
  await expect(viewerSwitcher.position).toHaveText("1 / 2");
  await viewer.screenshot({ path: testInfo.outputPath("branches-share-viewer.png") });

  // Rendered on the server as it now stands, before any script runs.
  const noScript = await browser.newContext({
    baseURL,
    javaScriptEnabled: false,
    storageState: await page.context().storageState(),
  });
  const rendered = await noScript.newPage();
  await rendered.goto(page.url());
  expect(await shownOn(rendered)).toEqual(firstBranch);
  await expect(rendered.getByTestId("branch-position")).toHaveText("1 / 2");
  await noScript.close();

  await page.reload();
  await expect(chat.connectionStatus).toHaveAttribute("data-state", "connected");
  await expect.poll(() => shownOn(page)).toEqual(firstBranch);
  await expect(new BranchSwitcher(chat.userMessages().first()).position).toHaveText("1 / 2");
  await viewer.context().close();
});

test("the Markdown export holds the branch shown; the tree export holds every branch", async ({
  chat,
  gateway,
}) => {
  const question = await twoBranches(chat, gateway);
  await new BranchSwitcher(question).previous.click();
  await expect(question).toContainText(FRANCE);

  const markdown = await chat.exported("export-md");
  expect(markdown.text).toContain(FRANCE);
  expect(markdown.text).toContain(answerOf("Atlas", FRANCE));
  expect(markdown.text).not.toContain(ITALY);

  const tree = await chat.exported("export-json-tree");
  expect(tree.name).toMatch(/\.json$/);
  expect(tree.text).toContain(answerOf("Atlas", FRANCE));
  expect(tree.text).toContain(answerOf("Atlas", ITALY));
});

test("an edit the server refuses gives the message back as it was, and can be tried again", async ({
  chat,
  gateway,
  page,
}) => {
  await chat.refuseNextEdit({ code: "rate_limited", message: "Too many messages: wait a moment." });
  await startWithFrance(chat, gateway);
  const question = chat.userMessages().first();

  await chat.editMessage(question, ITALY);
  const banner = page.getByTestId("error-banner");
  await expect(banner).toContainText("Too many messages: wait a moment.");
  await expect(question).toContainText(FRANCE);
  await expect(question.getByTestId("branch-switcher")).toHaveCount(0);
  expect(await shownOn(page)).toEqual([`user: ${FRANCE}`, `assistant: ${answerOf("Atlas", FRANCE)}`]);

  await banner.getByTestId("retry-button").click();
  await expect(banner).toHaveCount(0);
  await expect(chat.lastAnswer().text).toHaveText(answerOf("Atlas", ITALY));
  await expect(new BranchSwitcher(question).position).toHaveText("2 / 2");
});
