import { describe, expect, it } from "vitest";
import { AnswerLengthModel, estimateProgress } from "@/lib/agents/progress";

describe("estimateProgress", () => {
  it("grows with the text, stays below 1 however long the answer runs", () => {
    const values = [0, 100, 500, 900, 1000, 2000, 50_000].map(
      (textLength) =>
        estimateProgress({ textLength, expectedLength: 1000, msSinceFirstToken: 1000 }).progress,
    );
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(values[0]).toBe(0);
    expect(values[2]).toBeCloseTo(0.5);
    expect(Math.max(...values)).toBeLessThan(1);
  });

  it("estimates the time left from the observed pace", () => {
    const { etaMs } = estimateProgress({ textLength: 500, expectedLength: 1000, msSinceFirstToken: 5000 });
    expect(etaMs).toBe(5000);
  });
});

describe("AnswerLengthModel", () => {
  it("expects an agent's typical answer length, capped by its output limit", () => {
    const model = new AnswerLengthModel();
    model.record("a", 100);
    model.record("a", 300);
    expect(model.expectedLength("a")).toBe(200);
    expect(model.expectedLength("a", 10)).toBe(40);
    expect(model.expectedLength("unknown")).toBeGreaterThan(0);
  });
});
