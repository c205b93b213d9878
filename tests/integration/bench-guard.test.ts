import { describe, expect, it } from "vitest";
import { runBench } from "../../scripts/bench/run";

/**
 * A short run of `npm run bench`: 50 answers at 20 tokens/s through the bare
 * relay and through Switchboard on its embedded defaults, one after the
 * other on this machine. What it guards is a ratio measured in the same run —
 * Switchboard's server CPU per token against the relay's — never a time.
 */
const MAX_CPU_RATIO = 4;

describe("the per-token path", () => {
  it(`costs at most ${MAX_CPU_RATIO}× the bare relay's CPU per token, and loses nothing`, {
    timeout: 180_000,
  }, async () => {
    const results = await runBench({
      streams: [50],
      rate: 20,
      tokens: 60,
      repeat: 1,
      targets: ["floor", "pglite"],
    });
    const floor = results.find((step) => step.target === "floor")?.median;
    const switchboard = results.find((step) => step.target === "switchboard (pglite)")?.median;
    if (!floor || !switchboard) throw new Error("a target did not run");
    const ratio = switchboard.cpuUsPerToken / floor.cpuUsPerToken;
    // biome-ignore lint/suspicious/noConsole: the figures are this test's report
    console.log(
      `CPU per token: Switchboard ${switchboard.cpuUsPerToken} µs, floor ${floor.cpuUsPerToken} µs (× ${ratio.toFixed(2)}); ` +
        `token p99 ${switchboard.tokenP99Ms} ms vs ${floor.tokenP99Ms} ms`,
    );
    for (const figures of [floor, switchboard]) {
      expect(figures.failed).toBe(0);
      expect(figures.tokens).toBe(50 * 60);
      expect(figures.lost).toBe(0);
      expect(figures.duplicated).toBe(0);
    }
    expect(ratio).toBeLessThan(MAX_CPU_RATIO);
  });
});
