import type { Locator } from "@playwright/test";

/** What one tool card and the answer below it showed at one animation frame. */
export type ToolSample = {
  state: string;
  status: string;
  input: string;
  output: string;
  error: string;
  spinner: boolean;
  answer: string;
  messageStatus: string;
  cardAboveAnswer: boolean;
};

/** One tool call's card in an answer. */
export class ToolCard {
  readonly name: Locator;
  readonly status: Locator;
  readonly input: Locator;
  readonly output: Locator;
  readonly error: Locator;
  /** "Show all" / "Show less" on a long result. */
  readonly outputToggle: Locator;

  constructor(readonly root: Locator) {
    this.name = root.getByTestId("tool-name");
    this.status = root.getByTestId("tool-status");
    this.input = root.getByTestId("tool-input");
    this.output = root.getByTestId("tool-output");
    this.error = root.getByTestId("tool-error");
    this.outputToggle = root.getByTestId("tool-output-toggle");
  }
}

/**
 * Every distinct view of an answer's first tool card (and of the answer text)
 * from the card's appearance until the answer ends, sampled on each animation frame.
 */
export function sampleToolSteps(root: Locator, options: { timeoutMs: number }): Promise<ToolSample[]> {
  return root.evaluate(
    (card, timeoutMs) =>
      new Promise<ToolSample[]>((resolve) => {
        const shown: ToolSample[] = [];
        const deadline = performance.now() + timeoutMs;
        const text = (root: Element | null, id: string) =>
          root?.querySelector(`[data-testid="${id}"]`)?.textContent ?? "";
        const sample = () => {
          const tool = card.querySelector('[data-testid="tool-call"]');
          const answerElement = card.querySelector('[data-testid="streaming-text"]');
          const messageStatus = card.getAttribute("data-status") ?? "";
          if (tool) {
            const next: ToolSample = {
              state: tool.getAttribute("data-state") ?? "",
              status: text(tool, "tool-status"),
              input: text(tool, "tool-input"),
              output: text(tool, "tool-output"),
              error: text(tool, "tool-error"),
              spinner: tool.querySelector(".animate-spin") !== null,
              answer: answerElement?.textContent ?? "",
              messageStatus,
              cardAboveAnswer:
                answerElement !== null &&
                (tool.compareDocumentPosition(answerElement) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0,
            };
            const last = shown.at(-1);
            if (!last || JSON.stringify(last) !== JSON.stringify(next)) shown.push(next);
          }
          const ended = ["complete", "error", "cancelled"].includes(messageStatus);
          if (ended || performance.now() > deadline) resolve(shown);
          else requestAnimationFrame(sample);
        };
        sample();
      }),
    options.timeoutMs,
  );
}
