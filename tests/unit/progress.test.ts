import { describe, expect, it } from "vitest";
import { AnswerHistory, estimateProgress, streamMs } from "@/lib/agents/progress";

const expected = { length: 1000, charsPerMs: 0.1 };

describe("estimateProgress", () => {
  it("grows with the text, stays below 1 however long the answer runs", () => {
    const values = [0, 100, 500, 900, 1000, 2000, 50_000].map(
      (textLength) => estimateProgress({ textLength, expected, msSinceFirstToken: 1000 }).progress,
    );
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(values[0]).toBe(0);
    expect(values[2]).toBeCloseTo(0.5);
    expect(Math.max(...values)).toBeLessThan(1);
  });

  it("estimates the time left from the observed pace", () => {
    const { etaMs } = estimateProgress({ textLength: 500, expected, msSinceFirstToken: 5000 });
    expect(etaMs).toBe(5000);
  });

  it("keeps a time left that grows with an answer running past its forecast, within its output limit", () => {
    const eta = (textLength: number, limit?: number) =>
      estimateProgress({
        textLength,
        expected: { ...expected, ...(limit ? { limit } : {}) },
        msSinceFirstToken: textLength * 10,
      }).etaMs;
    // At the live pace of 0.1 chars/ms: 100 chars left at 900, then half the overrun past 800.
    expect(eta(900)).toBe(1_000);
    expect(eta(1_000)).toBe(1_000);
    expect(eta(2_000)).toBe(6_000);
    expect(eta(4_000)).toBe(16_000);
    // Near what the output limit allows, only what is left of it.
    expect(eta(2_000, 2_200)).toBe(2_000);
    // Never less than 5% of the forecast, the least an unfinished answer is assumed to have left.
    expect(eta(2_190, 2_200)).toBe(500);
  });

  it("uses the agent's usual pace until the stream shows its own", () => {
    const { etaMs } = estimateProgress({ textLength: 0, expected, msSinceFirstToken: 0 });
    expect(etaMs).toBe(10_000);
  });
});

describe("AnswerHistory", () => {
  it("expects an agent's typical answer length, capped by its output limit", () => {
    const history = new AnswerHistory();
    history.record({ agentId: "a", length: 100, streamMs: null });
    history.record({ agentId: "a", length: 300, streamMs: null });
    expect(history.expect("a").length).toBe(200);
    expect(history.expect("a", 10)).toMatchObject({ length: 40, limit: 40 });
    expect(history.expect("a").limit).toBeUndefined();
    expect(history.expect("unknown").length).toBeGreaterThan(0);
  });

  it("learns each agent's pace from answers long enough to show one", () => {
    const history = new AnswerHistory();
    const before = history.expect("a").charsPerMs;
    history.seed([
      { agentId: "a", length: 2000, streamMs: 1000 },
      { agentId: "a", length: 50, streamMs: 100 },
      { agentId: "b", length: 100, streamMs: 1000 },
    ]);
    expect(history.expect("a").charsPerMs).toBe(2);
    expect(history.expect("b").charsPerMs).toBe(0.1);
    expect(history.expect("c").charsPerMs).toBe(before);
  });

  it("keeps only the most recent answers", () => {
    const history = new AnswerHistory();
    for (let i = 0; i < 40; i++)
      history.record({ agentId: "a", length: i < 20 ? 10_000 : 100, streamMs: null });
    expect(history.expect("a").length).toBe(100);
  });
});

describe("streamMs", () => {
  it("is the time from first token to the end, or null without a first token", () => {
    expect(streamMs({ firstTokenMs: 200, totalMs: 1200 })).toBe(1000);
    expect(streamMs({ firstTokenMs: null, totalMs: 1200 })).toBeNull();
  });
});
