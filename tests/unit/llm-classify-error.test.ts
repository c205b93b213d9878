import { APICallError } from "ai";
import { describe, expect, it } from "vitest";
import { classifyFailure, IncompleteStreamError, isNotStreamingFailure } from "../../lib/llm/classify-error";
import { NotStreamingError } from "../../lib/llm/streaming-fetch";

const ctx = { modelId: "m", partialText: "", upstream: "the gateway" };

function apiError(
  statusCode: number,
  message = "upstream said no",
  responseHeaders?: Record<string, string>,
) {
  return new APICallError({
    message,
    url: "http://gateway/v1/chat/completions",
    requestBodyValues: {},
    statusCode,
    responseHeaders,
    isRetryable: statusCode === 429 || statusCode >= 500,
  });
}

describe("classifyFailure", () => {
  it.each([
    [404, "model_not_found", false],
    [401, "unauthorized", false],
    [403, "unauthorized", false],
    [400, "bad_request", false],
    [429, "rate_limited", true],
    [500, "upstream_error", true],
    [503, "upstream_error", true],
  ] as const)("maps HTTP %i to %s (autoRetry %s)", (status, code, autoRetry) => {
    const failure = classifyFailure(apiError(status), ctx);
    expect(failure.error).toMatchObject({ code, status });
    expect(failure.autoRetry).toBe(autoRetry);
  });

  it("recognises LiteLLM's 400 for an unknown model", () => {
    const failure = classifyFailure(apiError(400, "Invalid model name passed in model=foo"), ctx);
    expect(failure.error.code).toBe("model_not_found");
  });

  it("carries the wait that Retry-After asks for", () => {
    expect(classifyFailure(apiError(429, "slow down", { "retry-after": "2" }), ctx).retryAfterMs).toBe(2_000);
  });

  it("tells a refused connection from one lost mid-answer", () => {
    const refused = new TypeError("fetch failed", {
      cause: Object.assign(new Error("connect"), { code: "ECONNREFUSED" }),
    });
    expect(classifyFailure(refused, ctx).error.code).toBe("upstream_unreachable");
    const terminated = new TypeError("terminated");
    const lost = classifyFailure(terminated, { ...ctx, partialText: "Hel" });
    expect(lost.error).toMatchObject({ code: "connection_lost", partialText: "Hel", retryable: true });
    expect(classifyFailure(new IncompleteStreamError("ended"), ctx).error.code).toBe("connection_lost");
  });

  it("keeps the original error as the cause", () => {
    const original = apiError(500);
    expect(classifyFailure(original, ctx).error.cause).toBe(original);
  });
});

describe("isNotStreamingFailure", () => {
  it("spots a NotStreamingError anywhere in the cause chain and a 400 about streaming", () => {
    expect(isNotStreamingFailure(new NotStreamingError("application/json"))).toBe(true);
    expect(isNotStreamingFailure(new Error("wrapped", { cause: new NotStreamingError("") }))).toBe(true);
    expect(isNotStreamingFailure(apiError(400, "stream is not supported for this model"))).toBe(true);
    expect(isNotStreamingFailure(apiError(400, "bad temperature"))).toBe(false);
    expect(isNotStreamingFailure(apiError(500, "stream broke"))).toBe(false);
  });
});
