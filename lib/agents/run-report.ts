import type { FinishReason, Usage } from "../protocol";

export type RunOutcomeKind = "complete" | "cancelled" | "error" | "interrupted";

/** What one finished run amounts to: the one log line and the metrics it feeds. Never any text. */
export type RunReport = {
  conversationId: string;
  messageId: string;
  agentId: string;
  model: string;
  outcome: RunOutcomeKind;
  finishReason?: FinishReason;
  errorCode?: string;
  /** From the run's start (before the upstream call) to its first delta; null when none came. */
  ttftMs: number | null;
  durationMs: number;
  /** The upstream's count of output tokens when it gives one, else the number of deltas. */
  tokens: number;
  chars: number;
  /** Tokens over the time from the first delta to the end; null when that cannot be measured. */
  tokensPerSecond: number | null;
  usage?: Usage;
  simulated?: boolean;
};

/** Told about every run an agent executes and every upstream attempt that fails. */
export interface RunObserver {
  runStarted(input: { agentId: string }): void;
  runFinished(report: RunReport): void;
  upstreamFailed(failure: { code: string; status?: number }): void;
}

export const noRunObserver: RunObserver = {
  runStarted() {},
  runFinished() {},
  upstreamFailed() {},
};

export function tokensPerSecond(input: {
  tokens: number;
  ttftMs: number | null;
  durationMs: number;
}): number | null {
  if (input.ttftMs === null || input.tokens === 0) return null;
  const generatingMs = input.durationMs - input.ttftMs;
  if (generatingMs < 1) return null;
  return Math.round((input.tokens / generatingMs) * 1000 * 10) / 10;
}
