const DEFAULT_EXPECTED_CHARS = 1_200;
const CHARS_PER_TOKEN = 4;
const HISTORY = 20;
// Used for the ETA until the stream has shown its own pace.
const DEFAULT_CHARS_PER_MS = 0.06;

/** Learns how long each agent's answers tend to be, to estimate a run's progress. */
export class AnswerLengthModel {
  private readonly lengths = new Map<string, number[]>();

  expectedLength(agentId: string, maxOutputTokens?: number): number {
    const past = this.lengths.get(agentId);
    const typical = past?.length ? past.reduce((sum, n) => sum + n, 0) / past.length : DEFAULT_EXPECTED_CHARS;
    const cap = maxOutputTokens ? maxOutputTokens * CHARS_PER_TOKEN : Number.POSITIVE_INFINITY;
    return Math.max(1, Math.min(typical, cap));
  }

  record(agentId: string, length: number): void {
    if (length <= 0) return;
    const past = this.lengths.get(agentId) ?? [];
    past.push(length);
    if (past.length > HISTORY) past.shift();
    this.lengths.set(agentId, past);
  }
}

export type ProgressEstimate = { progress: number; etaMs: number };

/**
 * Progress in [0, 0.99]: linear up to 90% of the expected length, then easing
 * towards 0.99 so an answer longer than expected still never reaches 1 before
 * it completes. The caller keeps it monotonic.
 */
export function estimateProgress(input: {
  textLength: number;
  expectedLength: number;
  msSinceFirstToken: number;
}): ProgressEstimate {
  const { textLength, expectedLength, msSinceFirstToken } = input;
  const ratio = textLength / expectedLength;
  const progress = ratio <= 0.9 ? ratio : 0.9 + 0.09 * (1 - Math.exp(-(ratio - 0.9) / 0.5));
  const rate =
    msSinceFirstToken > 250 && textLength > 0 ? textLength / msSinceFirstToken : DEFAULT_CHARS_PER_MS;
  const remaining = Math.max(expectedLength - textLength, expectedLength * 0.05);
  return { progress: Math.min(progress, 0.99), etaMs: Math.round(remaining / rate) };
}
