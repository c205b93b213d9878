import { expect, type Locator, type Page, type TestInfo } from "@playwright/test";

/** The chat screen as a user sees it, named by the SPEC's data-testids. */
export class ChatPage {
  readonly composer: Locator;
  readonly sendButton: Locator;
  readonly stopButton: Locator;
  readonly agentPicker: Locator;
  readonly connectionStatus: Locator;
  readonly messages: Locator;

  constructor(readonly page: Page) {
    this.composer = page.getByTestId("composer-input");
    this.sendButton = page.getByTestId("send-button");
    this.stopButton = page.getByTestId("stop-button");
    this.agentPicker = page.getByTestId("agent-picker");
    this.connectionStatus = page.getByTestId("connection-status");
    this.messages = page.getByTestId("message");
  }

  async openNewChat(): Promise<void> {
    await this.page.goto("/");
    await expect(this.connectionStatus).toHaveAttribute("data-state", "connected");
  }

  async send(text: string): Promise<void> {
    await this.composer.fill(text);
    await this.composer.press("Enter");
  }

  userMessages(): Locator {
    return this.page.locator('[data-testid="message"][data-role="user"]');
  }

  lastAnswer(): AnswerCard {
    return new AnswerCard(this.page.locator('[data-testid="message"][data-role="assistant"]').last());
  }

  async screenshot(testInfo: TestInfo, name: string): Promise<void> {
    const path = testInfo.outputPath(`${name}.png`);
    await this.page.screenshot({ path, fullPage: false });
    await testInfo.attach(name, { path, contentType: "image/png" });
  }
}

export class AnswerCard {
  readonly thinking: Locator;
  readonly text: Locator;
  readonly progress: Locator;
  readonly eta: Locator;

  constructor(readonly root: Locator) {
    this.thinking = root.getByTestId("thinking-indicator");
    this.text = root.getByTestId("streaming-text");
    this.progress = root.getByTestId("progress-bar");
    this.eta = root.getByTestId("eta");
  }

  async status(): Promise<string | null> {
    return this.root.getAttribute("data-status");
  }

  async textLength(): Promise<number> {
    return ((await this.text.textContent()) ?? "").length;
  }

  /** Samples the text length until the answer completes; returns every distinct length seen while streaming. */
  async sampleGrowth(options: { intervalMs: number; timeoutMs: number }): Promise<number[]> {
    const seen: number[] = [];
    const deadline = Date.now() + options.timeoutMs;
    while (Date.now() < deadline) {
      const status = await this.status();
      if (status === "complete" || status === "error" || status === "cancelled") break;
      if (status === "streaming") {
        const length = await this.textLength();
        if (length !== seen.at(-1)) seen.push(length);
      }
      await this.root.page().waitForTimeout(options.intervalMs);
    }
    return seen;
  }

  /** Every text shown while the answer streams, sampled until it ends. */
  async textsWhileStreaming(options: { intervalMs: number; timeoutMs: number }): Promise<string[]> {
    const shown: string[] = [];
    const deadline = Date.now() + options.timeoutMs;
    while ((await this.status()) === "streaming" && Date.now() < deadline) {
      shown.push((await this.text.textContent()) ?? "");
      await this.root.page().waitForTimeout(options.intervalMs);
    }
    return shown;
  }
}
