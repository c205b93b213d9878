const DEFAULT_EXPECTED_CHARS = 1_200;
const CHARS_PER_TOKEN = 4;
/** How many recent answers per agent the estimates learn from. */
export const ANSWER_HISTORY_SIZE = 20;
// The pace assumed for an agent with no history, until the stream shows its own.
const DEFAULT_CHARS_PER_MS = 0.06;
// Shorter streams say little about an agent's pace.
const MIN_STREAM_MS_FOR_PACE = 500;

/**
 * One finished answer, as the history learns from it. `length` counts every
 * character streamed, reasoning included, so a reasoning model's long thinking
 * phase moves the progress like its answer does.
 */
export type PastAnswer = { agentId: string; length: number; streamMs: number | null };

/**
 * What a new run of an agent is expected to produce, and how fast; `limit` is
 * about the most its output limit allows, when it has one.
 */
export type Expectation = { length: number; charsPerMs: number; limit?: number };

/** How long an answer took from its first token to its end; null when it never streamed. */
export function streamMs(timing: { firstTokenMs: number | null; totalMs: number | null }): number | null {
  if (timing.firstTokenMs === null || timing.totalMs === null) return null;
  return timing.totalMs - timing.firstTokenMs;
}

const mean = (values: number[]) => values.reduce((sum, n) => sum + n, 0) / values.length;

/**
 * Learns how long each agent's answers tend to be and how fast they stream,
 * from its recent answers (seeded from storage at start-up), to estimate a
 * run's progress and time left.
 */
export class AnswerHistory {
  private readonly lengths = new Map<string, number[]>();
  private readonly paces = new Map<string, number[]>();

  expect(agentId: string, maxOutputTokens?: number): Expectation {
    const lengths = this.lengths.get(agentId);
    const paces = this.paces.get(agentId);
    const typical = lengths?.length ? mean(lengths) : DEFAULT_EXPECTED_CHARS;
    const cap = maxOutputTokens ? maxOutputTokens * CHARS_PER_TOKEN : Number.POSITIVE_INFINITY;
    return {
      length: Math.max(1, Math.min(typical, cap)),
      charsPerMs: paces?.length ? mean(paces) : DEFAULT_CHARS_PER_MS,
      ...(Number.isFinite(cap) ? { limit: cap } : {}),
    };
  }

  record({ agentId, length, streamMs }: PastAnswer): void {
    if (length <= 0) return;
    push(this.lengths, agentId, length);
    if (streamMs !== null && streamMs >= MIN_STREAM_MS_FOR_PACE) push(this.paces, agentId, length / streamMs);
  }

  /** Past answers, oldest first. */
  seed(answers: PastAnswer[]): void {
    for (const answer of answers) this.record(answer);
  }
}

function push(map: Map<string, number[]>, key: string, value: number): void {
  const values = map.get(key) ?? [];
  values.push(value);
  if (values.length > ANSWER_HISTORY_SIZE) values.shift();
  map.set(key, values);
}

export type ProgressEstimate = { progress: number; etaMs: number };

/**
 * Progress in [0, 0.99]: linear up to 90% of the expected length, then easing
 * towards 0.99 so an answer longer than expected still never reaches 1 before
 * it completes. The caller keeps it monotonic.
 *
 * The time left counts the characters still expected at the live pace. An
 * answer that outruns its forecast is assumed to go on for half as far again
 * as it has overrun (from 80% of the forecast), within its output limit, so
 * a long answer is not shown as "1 s left" for its whole second half.
 */
export function estimateProgress(input: {
  textLength: number;
  expected: Expectation;
  msSinceFirstToken: number;
}): ProgressEstimate {
  const { textLength, expected, msSinceFirstToken } = input;
  const ratio = textLength / expected.length;
  const progress = ratio <= 0.9 ? ratio : 0.9 + 0.09 * (1 - Math.exp(-(ratio - 0.9) / 0.5));
  const rate =
    msSinceFirstToken > 250 && textLength > 0 ? textLength / msSinceFirstToken : expected.charsPerMs;
  const floor = expected.length * 0.05;
  const overrun = Math.max(0, textLength - expected.length * 0.8) * 0.5;
  let remaining = Math.max(expected.length - textLength, overrun, floor);
  if (expected.limit !== undefined)
    remaining = Math.min(remaining, Math.max(expected.limit - textLength, floor));
  return { progress: Math.min(progress, 0.99), etaMs: Math.round(remaining / rate) };
}
