import { readFileSync } from "node:fs";
import { type Browser, expect, type Locator, type Page, type TestInfo } from "@playwright/test";
import type { Conversation } from "@/lib/protocol";
import { own, sampleToolSteps, ToolCard, type ToolSample } from "./tool-card";

export type { ToolCard, ToolSample } from "./tool-card";

/** The chat screen as a user sees it, named by the SPEC's data-testids. */
export class ChatPage {
  readonly composer: Locator;
  readonly sendButton: Locator;
  readonly stopButton: Locator;
  readonly agentPicker: Locator;
  readonly connectionStatus: Locator;
  readonly messages: Locator;
  /** The scrolling column of messages. */
  readonly scroller: Locator;

  constructor(readonly page: Page) {
    this.composer = page.getByTestId("composer-input");
    this.sendButton = page.getByTestId("send-button");
    this.stopButton = page.getByTestId("stop-button");
    this.agentPicker = page.getByTestId("agent-picker");
    this.connectionStatus = page.getByTestId("connection-status");
    this.messages = page.getByTestId("message");
    this.scroller = page.getByTestId("message-scroller");
  }

  async openNewChat(): Promise<void> {
    await this.page.goto("/");
    await expect(this.connectionStatus).toHaveAttribute("data-state", "connected");
  }

  /** The conversation on screen, from the address (a new chat has none until its first send). */
  conversationId(): string {
    const id = new URL(this.page.url()).pathname.match(/^\/c\/([^/]+)$/)?.[1];
    if (!id) throw new Error(`no conversation in ${this.page.url()}`);
    return decodeURIComponent(id);
  }

  /**
   * Shares the conversation on screen and opens its link in a browser context
   * of its own, as someone else; close it with `viewer.context().close()`.
   */
  async openAsViewer(browser: Browser, baseURL: string | undefined): Promise<Page> {
    await this.page.getByTestId("share-button").click();
    const shareUrl = (await this.page.getByTestId("share-url").textContent()) ?? "";
    expect(shareUrl).toMatch(/\/s\/[^/]+$/);
    const viewer = await (await browser.newContext({ baseURL })).newPage();
    await viewer.goto(shareUrl);
    return viewer;
  }

  /** The same conversation in a second tab of this browser (same identity), live. */
  async openInNewTab(): Promise<ChatPage> {
    const tab = new ChatPage(await this.page.context().newPage());
    await tab.page.goto(this.page.url());
    await expect(tab.connectionStatus).toHaveAttribute("data-state", "connected");
    return tab;
  }

  /** What the server has stored, read through the HTTP API with this browser's session. */
  async storedConversation(): Promise<Conversation> {
    const response = await this.page.request.get(`/api/conversations/${this.conversationId()}`);
    expect(response.status()).toBe(200);
    return (await response.json()) as Conversation;
  }

  /**
   * Loses the acknowledgement of the next message this page sends, and the
   * connection carrying it, as when the network fails at that moment. Call
   * before the page connects; later connections pass untouched.
   */
  async loseNextSendAcknowledgement(): Promise<{ lost: () => boolean }> {
    let armed = true;
    await this.page.routeWebSocket(/\/socket\.io\//, (ws) => {
      const server = ws.connectToServer();
      const sends = new Set<string>();
      ws.onMessage((message) => {
        // Engine.IO message 4, Socket.IO event 2 with an ack id: 42<id>["send_message",…]
        const id = /^42(\d+)\["send_message"/.exec(String(message))?.[1];
        if (armed && id) sends.add(id);
        server.send(message);
      });
      server.onMessage((message) => {
        const id = /^43(\d+)\[/.exec(String(message))?.[1];
        if (armed && id && sends.has(id)) {
          armed = false;
          server.close();
          ws.close();
          return;
        }
        ws.send(message);
      });
    });
    return { lost: () => !armed };
  }

  /**
   * Answers the next edit_message this page sends with this refusal, in the
   * server's place (the server never hears of it); later ones pass untouched.
   * Call before the page connects.
   */
  async refuseNextEdit(error: { code: string; message: string }): Promise<void> {
    let armed = true;
    await this.page.routeWebSocket(/\/socket\.io\//, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((message) => {
        const id = /^42(\d+)\["edit_message"/.exec(String(message))?.[1];
        if (armed && id) {
          armed = false;
          ws.send(`43${id}${JSON.stringify([{ ok: false, error }])}`);
          return;
        }
        server.send(message);
      });
      server.onMessage((message) => ws.send(message));
    });
  }

  /**
   * Delivers every tool result (and tool error) event `ms` late, as a slow
   * tool would, so the card's running state can be seen; later events come on
   * time and wait in the page for the gap to fill. Call before the page connects.
   */
  async delayToolResults(ms: number): Promise<void> {
    await this.page.routeWebSocket(/\/socket\.io\//, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((message) => server.send(message));
      server.onMessage((message) => {
        if (/^42\["agent_processing_tool",.*"state":"output-(available|error)"/.test(String(message))) {
          setTimeout(() => ws.send(message), ms);
        } else ws.send(message);
      });
    });
  }

  /**
   * From the first approve_tool_call this page sends on, delivers everything
   * the server sends `ms` late, in order, so the card can be seen waiting for
   * its acknowledgement. Call before the page connects.
   */
  async delayAfterApproval(ms: number): Promise<void> {
    await this.page.routeWebSocket(/\/socket\.io\//, (ws) => {
      const server = ws.connectToServer();
      let armed = false;
      ws.onMessage((message) => {
        armed ||= /^42\d*\["approve_tool_call"/.test(String(message));
        server.send(message);
      });
      server.onMessage((message) => {
        if (armed) setTimeout(() => ws.send(message), ms);
        else ws.send(message);
      });
    });
  }

  /** Presses Stop; returns when the page received the click (the browser's clock is the machine's). */
  async stop(): Promise<number> {
    // Kept on the document: the button goes away once the answer is stopped.
    await this.stopButton.evaluate((button) => {
      const mark = () => document.documentElement.setAttribute("data-stop-clicked-at", String(Date.now()));
      button.addEventListener("click", mark, { once: true, capture: true });
    });
    await this.stopButton.click();
    return Number(await this.page.locator("html").getAttribute("data-stop-clicked-at"));
  }

  async send(text: string): Promise<void> {
    await this.composer.fill(text);
    await this.composer.press("Enter");
  }

  userMessages(): Locator {
    return this.page.locator('[data-testid="message"][data-role="user"]');
  }

  /** Answers in the list; those another agent asked for show inside their asker's card and are not counted. */
  answers(): Locator {
    return this.page.locator(TOP_LEVEL_ANSWER);
  }

  lastAnswer(): AnswerCard {
    return new AnswerCard(this.answers().last());
  }

  /** Opens a user message's editor, puts these words in it and saves them with Enter. */
  async editMessage(message: Locator, text: string): Promise<void> {
    await message.getByTestId("edit-message").click();
    const input = message.getByTestId("edit-input");
    await expect(input).toBeFocused();
    await input.fill(text);
    await input.press("Enter");
  }

  /** Has an answer given again: by the same agent, or by the one named, from the menu. */
  async regenerate(answer: AnswerCard, agentId?: string): Promise<void> {
    if (!agentId) {
      await answer.regenerateButton.click();
      return;
    }
    await answer.regenerateMenu.click();
    await this.page.locator(`[data-testid="regenerate-agent"][data-agent-id="${agentId}"]`).click();
  }

  /** The file an item of the export menu downloads: its name and its text. */
  async exported(testId: string): Promise<{ name: string; text: string }> {
    await this.page.getByTestId("export-button").click();
    const [download] = await Promise.all([
      this.page.waitForEvent("download"),
      this.page.getByTestId(testId).click(),
    ]);
    return { name: download.suggestedFilename(), text: readFileSync(await download.path(), "utf8") };
  }

  async screenshot(testInfo: TestInfo, name: string): Promise<void> {
    const path = testInfo.outputPath(`${name}.png`);
    await this.page.screenshot({ path, fullPage: false });
    await testInfo.attach(name, { path, contentType: "image/png" });
  }

  /** The screen as it is, light and then dark (`name` and `name-dark`); light again afterwards. */
  async screenshotBothThemes(testInfo: TestInfo, name: string): Promise<void> {
    await this.screenshot(testInfo, name);
    await this.page.emulateMedia({ colorScheme: "dark" });
    await this.screenshot(testInfo, `${name}-dark`);
    await this.page.emulateMedia({ colorScheme: "light" });
  }
}

const TOP_LEVEL_ANSWER = '[data-testid="message"][data-role="assistant"]:not([data-parent-message-id])';

export type ReasoningSample = { text: string; header: string; status: string; spinner: boolean };

/** "2 / 3" with previous and next, on a message that has siblings. */
export class BranchSwitcher {
  readonly root: Locator;
  readonly position: Locator;
  readonly previous: Locator;
  readonly next: Locator;

  /** The switcher of this message, not of an answer shown inside it. */
  constructor(message: Locator) {
    this.root = own(message, "branch-switcher");
    this.position = this.root.getByTestId("branch-position");
    this.previous = this.root.getByTestId("branch-prev");
    this.next = this.root.getByTestId("branch-next");
  }
}

export class AnswerCard {
  readonly thinking: Locator;
  readonly text: Locator;
  readonly progress: Locator;
  readonly eta: Locator;
  readonly errorBanner: Locator;
  readonly retryButton: Locator;
  /** The model's reasoning: its header is a button that opens and folds it. */
  readonly reasoning: Locator;
  readonly reasoningToggle: Locator;
  readonly reasoningText: Locator;
  /** Every tool call's card, in order. */
  readonly toolCalls: Locator;

  /** Answers another agent asked for, shown inside this one's `ask_agent` cards. */
  readonly nestedAnswers: Locator;
  /** Stops this answer alone (on an answer another agent asked for). */
  readonly stopButton: Locator;
  /** The other answers to the same question, one step either way. */
  readonly switcher: BranchSwitcher;
  /** Asks the same agent again; the menu beside it asks another. */
  readonly regenerateButton: Locator;
  readonly regenerateMenu: Locator;

  // Its own elements only, never those of an answer shown inside it.
  constructor(readonly root: Locator) {
    this.thinking = own(root, "thinking-indicator");
    this.text = own(root, "streaming-text");
    this.progress = own(root, "progress-bar");
    this.eta = own(root, "eta");
    this.errorBanner = own(root, "error-banner");
    this.retryButton = own(root, "retry-button");
    this.reasoning = own(root, "reasoning");
    this.reasoningToggle = this.reasoning.getByTestId("reasoning-toggle");
    this.reasoningText = this.reasoning.getByTestId("reasoning-text");
    this.toolCalls = own(root, "tool-call");
    this.nestedAnswers = root.locator('[data-testid="message"][data-parent-message-id]');
    this.stopButton = own(root, "stop-run");
    this.switcher = new BranchSwitcher(root);
    this.regenerateButton = own(root, "regenerate-button");
    this.regenerateMenu = own(root, "regenerate-menu");
  }

  /** The card of a tool call, by the tool's name (the first such call, or the nth). */
  toolCard(toolName: string, nth = 0): ToolCard {
    return new ToolCard(this.toolCalls.and(this.root.locator(`[data-tool-name="${toolName}"]`)).nth(nth));
  }

  /** The answer an agent gave when this one asked it. */
  nestedAnswer(agentId: string, nth = 0): AnswerCard {
    return new AnswerCard(this.nestedAnswers.and(this.root.locator(`[data-agent-id="${agentId}"]`)).nth(nth));
  }

  /**
   * Every distinct view of the first tool card (and of the answer text) from
   * its appearance until the answer ends, sampled on each animation frame.
   */
  toolStepsWhileStreaming(options: { timeoutMs: number }): Promise<ToolSample[]> {
    return sampleToolSteps(this.root, options);
  }

  /** What a thinking answer waits on (queued, rate_limited, retrying, waiting_for_model…), as the server said. */
  async waitingFor(): Promise<string | null> {
    return this.thinking.getAttribute("data-waiting");
  }

  async currentText(): Promise<string> {
    return (await this.text.textContent()) ?? "";
  }

  async status(): Promise<string | null> {
    return this.root.getAttribute("data-status");
  }

  async textLength(): Promise<number> {
    return ((await this.text.textContent()) ?? "").length;
  }

  /** Samples the text length until the answer completes; returns every distinct length seen while streaming. */
  async sampleGrowth(options: { timeoutMs: number }): Promise<number[]> {
    return (await this.textsWhileStreaming(options)).map((text) => text.length);
  }

  /**
   * Every distinct reasoning text on screen before the answer's first words,
   * sampled on each animation frame, with what else the card showed at each.
   */
  reasoningWhileThinking(options: { timeoutMs: number }): Promise<ReasoningSample[]> {
    return this.root.evaluate(
      (card, timeoutMs) =>
        new Promise<ReasoningSample[]>((resolve) => {
          const shown: ReasoningSample[] = [];
          const deadline = performance.now() + timeoutMs;
          const sample = () => {
            const answer = card.querySelector('[data-testid="streaming-text"]')?.textContent ?? "";
            const block = card.querySelector<HTMLElement>('[data-testid="reasoning-text"]');
            const header = card.querySelector('[data-testid="reasoning-toggle"]')?.textContent ?? "";
            const text = block && !block.hidden ? (block.textContent ?? "") : "";
            const status = card.getAttribute("data-status") ?? "";
            const spinner = card.querySelector('[data-testid="thinking-indicator"]') !== null;
            if (text && text !== shown.at(-1)?.text) shown.push({ text, header, status, spinner });
            const ended = ["complete", "error", "cancelled"].includes(card.getAttribute("data-status") ?? "");
            if (answer !== "" || ended || performance.now() > deadline) resolve(shown);
            else requestAnimationFrame(sample);
          };
          sample();
        }),
      options.timeoutMs,
    );
  }

  /**
   * Every distinct text shown while the answer streams, sampled in the page on
   * each animation frame until it ends, so a slow test machine misses nothing.
   */
  textsWhileStreaming(options: { timeoutMs: number }): Promise<string[]> {
    return this.root.evaluate(
      (card, timeoutMs) =>
        new Promise<string[]>((resolve) => {
          const shown: string[] = [];
          const deadline = performance.now() + timeoutMs;
          const sample = () => {
            const status = card.getAttribute("data-status");
            const text = card.querySelector('[data-testid="streaming-text"]')?.textContent ?? "";
            if (status === "streaming" && text !== shown.at(-1)) shown.push(text);
            const ended = status === "complete" || status === "error" || status === "cancelled";
            if (ended || performance.now() > deadline) resolve(shown);
            else requestAnimationFrame(sample);
          };
          sample();
        }),
      options.timeoutMs,
    );
  }
}
