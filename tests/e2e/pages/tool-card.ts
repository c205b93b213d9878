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

/**
 * The elements of `root` with that data-testid, leaving out those of the
 * answers shown inside it (an `ask_agent` call holds the answer it asked for).
 */
export const own = (root: Locator, testId: string): Locator =>
  root.locator(`[data-testid="${testId}"]:not(:scope [data-testid="message"] *)`);

/** One tool call's card in an answer. */
export class ToolCard {
  readonly name: Locator;
  readonly status: Locator;
  readonly input: Locator;
  readonly output: Locator;
  readonly error: Locator;
  /** "Show all" / "Show less" on a long result. */
  readonly outputToggle: Locator;
  /** The request for the owner's approval, with Approve and Deny for the owner. */
  readonly approval: Locator;
  readonly approveButton: Locator;
  readonly denyButton: Locator;
  readonly approvalError: Locator;
  /** "Approved", "Denied" or "Expired" once answered. */
  readonly approvalBadge: Locator;

  constructor(readonly root: Locator) {
    this.name = own(root, "tool-name");
    this.status = own(root, "tool-status");
    this.input = own(root, "tool-input");
    this.output = own(root, "tool-output");
    this.error = own(root, "tool-error");
    this.outputToggle = own(root, "tool-output-toggle");
    this.approval = own(root, "tool-approval");
    this.approveButton = own(root, "approve-tool");
    this.denyButton = own(root, "deny-tool");
    this.approvalError = own(root, "tool-approval-error");
    this.approvalBadge = own(root, "tool-approval-badge");
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
