import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { GatewayClientOptions } from "../../lib/llm/gateway";
import { LlmError, type StatusReport, type StreamRequest } from "../../lib/llm/types";
import { FakeGateway } from "../fixtures/fake-gateway";
import type { ReasoningField } from "../fixtures/fake-gateway-responses";
import { testGatewayClient } from "../helpers/gateway-client";

let gateway: FakeGateway;

beforeAll(async () => {
  gateway = await FakeGateway.start();
});
afterEach(() => gateway.reset());
afterAll(async () => {
  await gateway.close();
});

const client = (overrides: Partial<GatewayClientOptions> = {}) => testGatewayClient(gateway, overrides);

function recorder(overrides: Partial<StreamRequest> = {}) {
  const deltas: string[] = [];
  const deltaTimes: number[] = [];
  const reasoning: string[] = [];
  /** Which callback was called, in order. */
  const order: ("reasoning" | "text")[] = [];
  const statuses: StatusReport[] = [];
  const controller = new AbortController();
  const request: StreamRequest = {
    modelId: "fake-model",
    system: "You are a test.",
    messages: [{ role: "user", content: "Say hello" }],
    abortSignal: controller.signal,
    onDelta: (delta) => {
      deltas.push(delta);
      deltaTimes.push(Date.now());
      order.push("text");
    },
    onReasoning: (delta) => {
      reasoning.push(delta);
      order.push("reasoning");
    },
    onStatus: (report) => statuses.push(report),
    ...overrides,
  };
  return { request, deltas, deltaTimes, reasoning, order, statuses, controller };
}

async function failure(promise: Promise<unknown>): Promise<LlmError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(LlmError);
  return error as LlmError;
}

describe("gateway client streaming", () => {
  it("delivers every upstream token as one delta, in order, and the text is their concatenation", async () => {
    const tokens = ["Alpha", " beta", " gamma", " delta."];
    gateway.enqueue({ tokens, usage: { prompt_tokens: 7, completion_tokens: 4 } });
    const run = recorder();
    const result = await client().stream(run.request);
    expect(run.deltas).toEqual(tokens);
    expect(result.text).toBe(tokens.join(""));
    expect(result).toMatchObject({ finishReason: "stop", simulated: false });
    expect(result.usage).toEqual({ inputTokens: 7, outputTokens: 4, totalTokens: 11 });
    const [sent] = gateway.requests;
    expect(sent?.stream).toBe(true);
    expect(sent?.body.messages).toEqual([
      { role: "system", content: "You are a test." },
      { role: "user", content: "Say hello" },
    ]);
  });

  it("reports finishReason length when the model hits its token limit", async () => {
    gateway.enqueue({ tokens: ["Cut", " short"], finishReason: "length" });
    const result = await client().stream(recorder({ maxOutputTokens: 2 }).request);
    expect(result.finishReason).toBe("length");
    expect(gateway.requests[0]?.body.max_tokens).toBe(2);
  });

  it("waits for a slow first token and measures it", async () => {
    gateway.enqueue({ headersDelayMs: 150, firstTokenDelayMs: 250 });
    const run = recorder();
    const started = Date.now();
    const result = await client().stream(run.request);
    expect((run.deltaTimes[0] ?? 0) - started).toBeGreaterThanOrEqual(380);
    expect(result.firstTokenMs).toBeGreaterThanOrEqual(380);
    expect(result.totalMs).toBeGreaterThanOrEqual(result.firstTokenMs ?? 0);
    expect(result.text).toBe("Hello from the fake gateway.");
  });

  it("says the model may still be loading when the first token is slow, then streams the answer", async () => {
    gateway.enqueue({ firstTokenDelayMs: 700 }, { firstTokenDelayMs: 50 });
    const slow = recorder();
    const result = await client({ waitingNoticeMs: 300 }).stream(slow.request);
    expect(result.text).toBe("Hello from the fake gateway.");
    expect(slow.statuses).toEqual([
      expect.objectContaining({
        status: "waiting_for_model",
        detail: expect.stringMatching(/loading.*3\.0 s/),
      }),
    ]);
    const quick = recorder();
    await client({ waitingNoticeMs: 300 }).stream(quick.request);
    expect(quick.statuses).toEqual([]);
  });

  it("sends the bearer key when one is configured and no Authorization header otherwise", async () => {
    await client({ apiKey: "sk-test" }).stream(recorder().request);
    await client().stream(recorder().request);
    expect(gateway.requests[0]?.headers.authorization).toBe("Bearer sk-test");
    expect(gateway.requests[1]?.headers.authorization).toBeUndefined();
  });

  it("fails with empty_answer when the upstream finishes without text", async () => {
    gateway.enqueue({ tokens: [] });
    const error = await failure(client().stream(recorder().request));
    expect(error.code).toBe("empty_answer");
  });
});

describe("reasoning", () => {
  const thoughts = ["The user", " wants", " a greeting", "; keep it short."];
  const tokens = ["Hello", " there."];
  const fields: ReasoningField[] = ["reasoning_content", "reasoning", "think"];

  /** Every reasoning call comes before the first text call. */
  function reasonedFirst(order: ("reasoning" | "text")[]): boolean {
    return order.indexOf("text") === order.lastIndexOf("reasoning") + 1;
  }

  it.each(fields)("streams %s as reasoning, in order before the text, never in it", async (field) => {
    gateway.enqueue({ reasoning: thoughts, reasoningField: field, tokens });
    const run = recorder();
    const result = await client().stream(run.request);
    if (field === "think") expect(run.reasoning.length).toBeGreaterThan(1);
    else expect(run.reasoning).toEqual(thoughts);
    expect(run.reasoning.join("")).toBe(thoughts.join(""));
    expect(run.deltas.join("")).toBe(tokens.join(""));
    expect(reasonedFirst(run.order)).toBe(true);
    expect(result).toMatchObject({
      text: "Hello there.",
      reasoning: thoughts.join(""),
      finishReason: "stop",
    });
    expect(result.firstTokenMs).not.toBeNull();
  });

  it.each(fields)("keeps %s out of the text of a simulated answer", async (field) => {
    gateway.enqueue({ reasoning: thoughts, reasoningField: field, tokens });
    const run = recorder();
    const result = await client({ streaming: "false" }).stream(run.request);
    expect(gateway.requests.map((r) => r.stream)).toEqual([false]);
    expect(run.reasoning.join("")).toBe(thoughts.join(""));
    expect(reasonedFirst(run.order)).toBe(true);
    expect(result).toMatchObject({ text: "Hello there.", reasoning: thoughts.join(""), simulated: true });
  });

  it("removes NUL characters from reasoning deltas", async () => {
    gateway.enqueue({ reasoning: ["A\u0000B", "\u0000"], tokens: ["C"] });
    const run = recorder();
    const result = await client().stream(run.request);
    expect(run.reasoning).toEqual(["AB"]);
    expect(result.reasoning).toBe("AB");
  });

  it("sends the reasoning effort upstream as reasoning_effort, and nothing when it is not set", async () => {
    await client().stream(recorder({ reasoningEffort: "high" }).request);
    await client().stream(recorder().request);
    expect(gateway.requests[0]?.body.reasoning_effort).toBe("high");
    expect(gateway.requests[1]?.body).not.toHaveProperty("reasoning_effort");
  });

  it("counts reasoning as the first output: a stall after it fails with stalled and is not retried", async () => {
    gateway.enqueue({ reasoning: thoughts, tokens, stallAfter: thoughts.length });
    const run = recorder();
    const started = Date.now();
    const error = await failure(
      client({ firstTokenTimeoutMs: 5_000, chunkTimeoutMs: 300 }).stream(run.request),
    );
    expect(error).toMatchObject({ code: "stalled", partialText: "" });
    expect(run.reasoning).toEqual(thoughts);
    expect(run.deltas).toEqual([]);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(gateway.requests).toHaveLength(1);
  });

  it("does not retry a connection dropped during reasoning", async () => {
    gateway.enqueue({ reasoning: thoughts, tokens, dropAfter: 2, tokenDelayMs: 20 });
    const run = recorder();
    const error = await failure(client().stream(run.request));
    expect(error.code).toBe("connection_lost");
    expect(run.reasoning).toEqual(thoughts.slice(0, 2));
    expect(gateway.requests).toHaveLength(1);
  });

  it.each(fields)("ends promptly when cancelled during %s, closing the upstream request", async (field) => {
    const long = Array.from({ length: 40 }, (_, i) => ` r${i}`);
    gateway.enqueue({ reasoning: long, reasoningField: field, tokens, tokenDelayMs: 30 });
    let abortedAt = 0;
    const run = recorder({
      onReasoning: (delta) => {
        run.reasoning.push(delta);
        if (run.reasoning.length === 3) {
          abortedAt = Date.now();
          run.controller.abort();
        }
      },
    });
    const result = await client().stream(run.request);
    expect(Date.now() - abortedAt).toBeLessThan(500);
    expect(result).toMatchObject({ finishReason: "cancelled", text: "", reasoning: run.reasoning.join("") });
    expect(result.reasoning).toMatch(/^ r0 r1 r2/);
    expect(run.deltas).toEqual([]);
    const [sent] = gateway.requests;
    await sent?.closed;
    expect(sent?.finishedAt).toBeUndefined();
    expect((sent?.clientClosedAt ?? Number.POSITIVE_INFINITY) - abortedAt).toBeLessThan(500);
  });
});

describe("simulated streaming", () => {
  const answer = "One two three four five six seven eight nine ten.";

  it("with streaming=false asks for the whole answer and delivers it as word deltas", async () => {
    gateway.enqueue({ tokens: [answer] });
    const run = recorder();
    const result = await client({ streaming: "false" }).stream(run.request);
    expect(gateway.requests.map((r) => r.stream)).toEqual([false]);
    expect(run.deltas.length).toBeGreaterThanOrEqual(10);
    expect(run.deltas.join("")).toBe(answer);
    expect(result.text).toBe(answer);
    expect(result.simulated).toBe(true);
    expect(run.statuses.map((s) => s.status)).toEqual(["simulating_stream"]);
  });

  it("with streaming=auto falls back once when the upstream does not stream, then remembers", async () => {
    gateway.setDefault({ tokens: [answer], noStream: true });
    const llm = client({ streaming: "auto" });
    const first = recorder();
    const result = await llm.stream(first.request);
    expect(gateway.requests.map((r) => r.stream)).toEqual([true, false]);
    expect(result.text).toBe(answer);
    expect(first.deltas.length).toBeGreaterThan(5);
    expect(result.simulated).toBe(true);
    expect(first.statuses.map((s) => s.status)).toEqual(["simulating_stream"]);

    const second = await llm.stream(recorder().request);
    expect(gateway.requests.map((r) => r.stream)).toEqual([true, false, false]);
    expect(second.text).toBe(answer);
  });

  it("with streaming=auto also falls back when the upstream refuses streaming with a 400", async () => {
    gateway.enqueue(
      { status: 400, errorMessage: "Streaming is not supported by this deployment" },
      { tokens: [answer] },
    );
    const result = await client({ streaming: "auto" }).stream(recorder().request);
    expect(gateway.requests.map((r) => r.stream)).toEqual([true, false]);
    expect(result).toMatchObject({ text: answer, simulated: true });
  });

  it("stops a simulated stream at once on abort, keeping the words delivered", async () => {
    gateway.enqueue({ tokens: [answer] });
    const run = recorder({
      onDelta: (delta) => {
        run.deltas.push(delta);
        if (run.deltas.length === 4) run.controller.abort();
      },
    });
    const result = await client({ streaming: "false", simulatedWordDelayMs: 50 }).stream(run.request);
    expect(result.finishReason).toBe("cancelled");
    expect(run.deltas).toHaveLength(4);
    expect(result.text).toBe(run.deltas.join(""));
    expect(result.text.trim()).toBe("One two three four");
  });

  it("with streaming=true reports an upstream that does not stream instead of an empty answer", async () => {
    gateway.enqueue({ noStream: true });
    const error = await failure(client({ streaming: "true" }).stream(recorder().request));
    expect(error.code).toBe("upstream_error");
    expect(error.message).toMatch(/does not stream/);
    expect(gateway.requests).toHaveLength(1);
  });
});

describe("retries", () => {
  it("waits out a 429 as long as Retry-After says, reporting rate_limited, then succeeds", async () => {
    gateway.enqueue({ status: 429, retryAfter: "1" }, { tokens: ["Finally"] });
    const run = recorder();
    const result = await client().stream(run.request);
    expect(result.text).toBe("Finally");
    expect(run.statuses).toEqual([
      expect.objectContaining({ status: "rate_limited", attempt: 1, retryInMs: 1000 }),
    ]);
    const [limited, retried] = gateway.requests;
    expect((retried?.receivedAt ?? 0) - (limited?.receivedAt ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it("retries 5xx with growing backoff and succeeds", async () => {
    gateway.enqueue({ status: 500 }, { status: 503 }, { tokens: ["Recovered"] });
    const run = recorder();
    const result = await client({ retryBaseDelayMs: 100 }).stream(run.request);
    expect(result.text).toBe("Recovered");
    expect(gateway.requests).toHaveLength(3);
    expect(run.statuses.map((s) => [s.status, s.attempt])).toEqual([
      ["retrying", 1],
      ["retrying", 2],
    ]);
    const [first, second] = run.statuses.map((s) => s.retryInMs ?? 0);
    expect(first).toBeGreaterThanOrEqual(50);
    expect(second).toBeGreaterThanOrEqual(100);
    expect(run.statuses[0]?.detail).toMatch(/HTTP 500/);
  });

  it("gives up after maxRetries with upstream_error carrying the status", async () => {
    gateway.setDefault({ status: 502, errorMessage: "bad gateway" });
    const error = await failure(client({ maxRetries: 2 }).stream(recorder().request));
    expect(error).toMatchObject({ code: "upstream_error", status: 502, retryable: true });
    expect(error.message).toMatch(/gave up after 2 retries/);
    expect(gateway.requests).toHaveLength(3);
  });

  it("gives up on 429 after maxRetries with rate_limited", async () => {
    gateway.setDefault({ status: 429 });
    const error = await failure(client({ maxRetries: 1 }).stream(recorder().request));
    expect(error).toMatchObject({ code: "rate_limited", status: 429 });
    expect(gateway.requests).toHaveLength(2);
  });

  it("does not wait for a Retry-After longer than the configured maximum", async () => {
    gateway.enqueue({ status: 429, retryAfter: "3600" });
    const started = Date.now();
    const error = await failure(client().stream(recorder().request));
    expect(error.code).toBe("rate_limited");
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(gateway.requests).toHaveLength(1);
  });

  it("stops waiting for a retry the moment the caller aborts", async () => {
    gateway.enqueue({ status: 429, retryAfter: "5" });
    const run = recorder({ onStatus: () => run.controller.abort() });
    const started = Date.now();
    const result = await client().stream(run.request);
    expect(result.finishReason).toBe("cancelled");
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(gateway.requests).toHaveLength(1);
  });

  it("retries when the upstream cannot be reached, then fails with upstream_unreachable", async () => {
    const closed = await FakeGateway.start();
    const baseURL = closed.baseUrl;
    await closed.close();
    const run = recorder();
    const error = await failure(client({ baseURL, maxRetries: 1 }).stream(run.request));
    expect(error.code).toBe("upstream_unreachable");
    expect(run.statuses.map((s) => s.status)).toEqual(["retrying"]);
  });
});

describe("errors that are not retried", () => {
  it("maps an unknown model to model_not_found naming the models on offer, after one request", async () => {
    const error = await failure(client().stream(recorder({ modelId: "missing-model" }).request));
    expect(error).toMatchObject({ code: "model_not_found", status: 404, retryable: false });
    expect(error.message).toBe(
      'Model "missing-model" is not available. The gateway offers: fake-model, fake-model-large.',
    );
    expect(gateway.requests).toHaveLength(1);
  });

  it("maps 401 to unauthorized and 400 to bad_request", async () => {
    gateway.enqueue(
      { status: 401, errorMessage: "invalid key" },
      { status: 400, errorMessage: "bad temperature" },
    );
    const unauthorized = await failure(client().stream(recorder().request));
    const badRequest = await failure(client().stream(recorder().request));
    expect(unauthorized).toMatchObject({ code: "unauthorized", status: 401, retryable: false });
    expect(badRequest).toMatchObject({ code: "bad_request", status: 400, retryable: false });
    expect(badRequest.message).toMatch(/bad temperature/);
    expect(gateway.requests).toHaveLength(2);
  });
});

describe("broken streams", () => {
  const tokens = ["One", " two", " three", " four", " five"];

  it("fails with connection_lost and keeps the text when the connection drops mid-stream", async () => {
    gateway.enqueue({ tokens, dropAfter: 3, tokenDelayMs: 40 });
    const run = recorder();
    const error = await failure(client().stream(run.request));
    expect(error).toMatchObject({ code: "connection_lost", retryable: true, partialText: "One two three" });
    expect(run.deltas).toEqual(tokens.slice(0, 3));
    expect(gateway.requests).toHaveLength(1);
  });

  it("fails with stalled when the upstream goes silent for longer than chunkTimeoutMs", async () => {
    gateway.enqueue({ tokens, stallAfter: 2 });
    const run = recorder();
    const error = await failure(client({ chunkTimeoutMs: 300 }).stream(run.request));
    const silentFor = Date.now() - (run.deltaTimes.at(-1) ?? 0);
    expect(error).toMatchObject({ code: "stalled", retryable: true, partialText: "One two" });
    expect(silentFor).toBeGreaterThanOrEqual(280);
    expect(silentFor).toBeLessThan(1_000);
    await gateway.requests[0]?.closed;
    expect(gateway.requests[0]?.clientClosedAt).toBeDefined();
  });

  it("fails with first_token_timeout when no token arrives in time, and closes the request", async () => {
    gateway.enqueue({ headersDelayMs: 5_000 });
    const started = Date.now();
    const error = await failure(client({ firstTokenTimeoutMs: 300 }).stream(recorder().request));
    expect(error).toMatchObject({ code: "first_token_timeout", retryable: true, partialText: "" });
    expect(Date.now() - started).toBeLessThan(1_000);
    await gateway.requests[0]?.closed;
    expect(gateway.requests[0]?.clientClosedAt).toBeDefined();
    expect(gateway.requests).toHaveLength(1);
  });
});

describe("cancellation", () => {
  it("resolves cancelled with the text so far and closes the upstream request at once", async () => {
    gateway.enqueue({ tokens: Array.from({ length: 40 }, (_, i) => ` w${i}`), tokenDelayMs: 30 });
    let abortedAt = 0;
    const run = recorder({
      onDelta: (delta) => {
        run.deltas.push(delta);
        if (run.deltas.length === 3) {
          abortedAt = Date.now();
          run.controller.abort();
        }
      },
    });
    const result = await client().stream(run.request);
    expect(result.finishReason).toBe("cancelled");
    expect(result.text).toBe(" w0 w1 w2");
    expect(run.deltas).toEqual([" w0", " w1", " w2"]);
    const [sent] = gateway.requests;
    await sent?.closed;
    expect(sent?.finishedAt).toBeUndefined();
    expect((sent?.clientClosedAt ?? Number.POSITIVE_INFINITY) - abortedAt).toBeLessThan(500);
  });

  it("resolves cancelled with no text when aborted while the model is still loading", async () => {
    gateway.enqueue({ headersDelayMs: 3_000 });
    const run = recorder();
    setTimeout(() => run.controller.abort(), 100);
    const result = await client().stream(run.request);
    expect(result).toMatchObject({ finishReason: "cancelled", text: "", firstTokenMs: null });
    expect(result.totalMs).toBeLessThan(1_000);
    await gateway.requests[0]?.closed;
    expect(gateway.requests[0]?.clientClosedAt).toBeDefined();
  });

  it("makes no request when the signal is already aborted", async () => {
    const run = recorder();
    run.controller.abort();
    const result = await client().stream(run.request);
    expect(result.finishReason).toBe("cancelled");
    expect(gateway.requests).toHaveLength(0);
  });
});

describe("models", () => {
  it("lists the gateway's models and defaults to the first", async () => {
    const llm = client();
    expect((await llm.listModels()).map((m) => m.id)).toEqual(["fake-model", "fake-model-large"]);
    expect(await llm.defaultModel()).toBe("fake-model");
    expect(await client({ defaultModel: "fake-model-large" }).defaultModel()).toBe("fake-model-large");
    expect(await llm.health()).toMatchObject({ ok: true, kind: "gateway" });
  });

  it("fails clearly when the gateway lists no models", async () => {
    const empty = await FakeGateway.start({ models: [] });
    try {
      const error = await failure(client({ baseURL: empty.baseUrl }).defaultModel());
      expect(error.code).toBe("model_not_found");
      expect(error.message).toMatch(/lists no models/);
    } finally {
      await empty.close();
    }
  });

  it("reports an unreachable gateway as unhealthy", async () => {
    const closed = await FakeGateway.start();
    const baseURL = closed.baseUrl;
    await closed.close();
    const health = await client({ baseURL }).health();
    expect(health).toMatchObject({ ok: false, kind: "gateway" });
    expect(health.detail).toMatch(/Cannot reach/);
  });

  it("labels the client without credentials", () => {
    const llm = client({ baseURL: "http://user:secret@litellm:4000/v1", apiKey: "sk-secret" });
    expect(llm.label).toBe("LLM gateway at http://litellm:4000/v1");
  });
});
