import { describe, expect, it } from "vitest";
import { type RunReport, tokensPerSecond } from "@/lib/agents/run-report";
import { createMetrics } from "@/lib/metrics";
import { sampleValue } from "../helpers/metrics";

const report = (overrides: Partial<RunReport> = {}): RunReport => ({
  conversationId: "c1",
  messageId: "m1",
  agentId: "atlas",
  model: "llama3",
  outcome: "complete",
  finishReason: "stop",
  ttftMs: 800,
  durationMs: 2_800,
  tokens: 40,
  chars: 200,
  tokensPerSecond: 20,
  ...overrides,
});

describe("metrics", () => {
  it("counts active runs up at start and down at the end, per agent", async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.runStarted({ agentId: "atlas" });
    metrics.runStarted({ agentId: "atlas" });
    metrics.runStarted({ agentId: "quill" });
    metrics.runFinished(report());
    const { body } = await metrics.render();
    expect(sampleValue(body, "switchboard_active_runs", { agent: "atlas" })).toBe(1);
    expect(sampleValue(body, "switchboard_active_runs", { agent: "quill" })).toBe(1);
  });

  it("records a finished run's outcome, duration, time to first token and token rate", async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.runStarted({ agentId: "atlas" });
    metrics.runFinished(report());
    metrics.runStarted({ agentId: "atlas" });
    metrics.runFinished(
      report({ outcome: "error", errorCode: "stalled", ttftMs: null, tokensPerSecond: null }),
    );
    const { body, contentType } = await metrics.render();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const atlas = { agent: "atlas" };
    expect(sampleValue(body, "switchboard_runs_total", { ...atlas, outcome: "complete" })).toBe(1);
    expect(sampleValue(body, "switchboard_runs_total", { ...atlas, outcome: "error" })).toBe(1);
    expect(sampleValue(body, "switchboard_run_duration_seconds_sum", { ...atlas, outcome: "complete" })).toBe(
      2.8,
    );
    const byModel = { ...atlas, model: "llama3" };
    // A run without a first token is not a time-to-first-token sample.
    expect(sampleValue(body, "switchboard_time_to_first_token_seconds_count", byModel)).toBe(1);
    expect(sampleValue(body, "switchboard_time_to_first_token_seconds_sum", byModel)).toBe(0.8);
    expect(
      sampleValue(body, "switchboard_time_to_first_token_seconds_bucket", { ...byModel, le: "0.5" }),
    ).toBe(0);
    expect(sampleValue(body, "switchboard_time_to_first_token_seconds_bucket", { ...byModel, le: "1" })).toBe(
      1,
    );
    expect(sampleValue(body, "switchboard_tokens_per_second_count", byModel)).toBe(1);
    expect(sampleValue(body, "switchboard_tokens_per_second_sum", byModel)).toBe(20);
    expect(sampleValue(body, "switchboard_active_runs", atlas)).toBe(0);
  });

  it("counts upstream errors by status and code, 'none' for failures without a status", async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.upstreamFailed({ code: "rate_limited", status: 429 });
    metrics.upstreamFailed({ code: "rate_limited", status: 429 });
    metrics.upstreamFailed({ code: "stalled" });
    const { body } = await metrics.render();
    expect(
      sampleValue(body, "switchboard_upstream_errors_total", { status: "429", code: "rate_limited" }),
    ).toBe(2);
    expect(sampleValue(body, "switchboard_upstream_errors_total", { status: "none", code: "stalled" })).toBe(
      1,
    );
  });

  it("tracks connected sockets and includes the event-loop lag among the default metrics", async () => {
    const metrics = createMetrics();
    metrics.socketConnected();
    metrics.socketConnected();
    metrics.socketDisconnected();
    const { body } = await metrics.render();
    expect(sampleValue(body, "switchboard_connected_sockets")).toBe(1);
    expect(body).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    expect(body).toMatch(/^nodejs_eventloop_lag_p99_seconds \d/m);
  });

  it("keeps registries apart, so two instances in one process do not clash", async () => {
    const first = createMetrics();
    const second = createMetrics();
    first.socketConnected();
    expect(sampleValue((await second.render()).body, "switchboard_connected_sockets")).toBe(0);
  });
});

describe("tokensPerSecond", () => {
  it("divides the tokens by the time from the first token to the end", () => {
    expect(tokensPerSecond({ tokens: 50, ttftMs: 1_000, durationMs: 3_500 })).toBe(20);
  });

  it("is null without a first token, without tokens, or without measurable time", () => {
    expect(tokensPerSecond({ tokens: 5, ttftMs: null, durationMs: 100 })).toBeNull();
    expect(tokensPerSecond({ tokens: 0, ttftMs: 10, durationMs: 100 })).toBeNull();
    expect(tokensPerSecond({ tokens: 5, ttftMs: 100, durationMs: 100 })).toBeNull();
  });
});
