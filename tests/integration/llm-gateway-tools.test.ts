import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { GatewayClientOptions } from "../../lib/llm/gateway";
import type { StreamRequest, ToolDefinition, ToolEvent } from "../../lib/llm/types";
import { FakeGateway, type UpstreamMessage } from "../fixtures/fake-gateway";
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

const NOW = "2030-01-02T03:04:05.000Z";

const currentTime: ToolDefinition = {
  name: "current_time",
  description: "The current date and time.",
  inputSchema: z.object({ timeZone: z.string().optional() }),
  execute: async () => NOW,
};

const calculator: ToolDefinition = {
  name: "calculator",
  description: "Evaluates an arithmetic expression.",
  inputSchema: z.object({ expression: z.string() }),
  execute: async (input) => ({ expression: (input as { expression: string }).expression, value: 42 }),
};

/** Everything the callbacks saw, in one ordered log. */
function recorder(overrides: Partial<StreamRequest> = {}) {
  const log: ({ kind: "text" | "reasoning"; delta: string } | ({ kind: "tool" } & ToolEvent))[] = [];
  const controller = new AbortController();
  const request: StreamRequest = {
    modelId: "fake-model",
    system: "You are a test.",
    messages: [{ role: "user", content: "What time is it?" }],
    abortSignal: controller.signal,
    tools: [currentTime, calculator],
    onDelta: (delta) => log.push({ kind: "text", delta }),
    onReasoning: (delta) => log.push({ kind: "reasoning", delta }),
    onTool: (event) => log.push({ kind: "tool", ...event }),
    ...overrides,
  };
  const tools = () => log.filter((entry) => entry.kind === "tool");
  return { request, log, tools, controller };
}

function toolMessages(messages: UpstreamMessage[]) {
  return messages.filter((message) => message.role === "tool");
}

describe("tool calls", () => {
  it("runs model → tool → model, telling every change of the call in order with the text", async () => {
    const args = '{"timeZone":"UTC"}';
    gateway.enqueue(
      {
        reasoning: ["I should", " look at the clock."],
        tokens: ["Let me check."],
        toolCalls: [{ id: "call_clock", name: "current_time", arguments: args }],
      },
      { tokens: ["It is", " 03:04 UTC."] },
    );
    const run = recorder();
    const result = await client().stream(run.request);

    expect(result).toMatchObject({ finishReason: "stop", steps: 2, toolCalls: 1 });
    expect(result.text).toBe("Let me check.It is 03:04 UTC.");
    expect(result.reasoning).toBe("I should look at the clock.");
    const kinds = run.log.map((entry) => (entry.kind === "tool" ? entry.state : entry.kind));
    expect(kinds).toEqual([
      "reasoning",
      "reasoning",
      "text",
      "input-streaming",
      "input-streaming",
      "input-streaming",
      "input-streaming",
      "input-available",
      "output-available",
      "text",
      "text",
    ]);
    const events = run.tools();
    expect(events[0]).toEqual({
      kind: "tool",
      toolCallId: "call_clock",
      toolName: "current_time",
      state: "input-streaming",
    });
    expect(events.map((event) => event.inputDelta ?? "").join("")).toBe(args);
    expect(events.every((event) => event.toolCallId === "call_clock")).toBe(true);
    expect(events.at(-2)).toMatchObject({ state: "input-available", input: { timeZone: "UTC" } });
    expect(events.at(-1)).toMatchObject({ state: "output-available", output: NOW });

    const [first, second] = gateway.requests;
    expect(first?.body.tools.map((t: { function: { name: string } }) => t.function.name)).toEqual([
      "current_time",
      "calculator",
    ]);
    expect(second?.messages.slice(-2)).toEqual([
      expect.objectContaining({
        role: "assistant",
        tool_calls: [
          { id: "call_clock", type: "function", function: { name: "current_time", arguments: args } },
        ],
      }),
      { role: "tool", tool_call_id: "call_clock", content: NOW },
    ]);
  });

  it.each([
    { quirk: "every chunk says index 0", sameToolCallIndex: true, finishReason: "tool_calls" as const },
    { quirk: "finish_reason stop after the calls", sameToolCallIndex: false, finishReason: "stop" as const },
    { quirk: "both", sameToolCallIndex: true, finishReason: "stop" as const },
  ])("copes with LiteLLM's tool-call quirks ($quirk)", async ({ sameToolCallIndex, finishReason }) => {
    gateway.enqueue(
      {
        sameToolCallIndex,
        finishReason,
        toolCalls: [
          { id: "call_a", name: "current_time", arguments: "{}" },
          { id: "call_b", name: "calculator", arguments: '{"expression":"6 * 7"}', chunks: 4 },
        ],
      },
      { tokens: ["Done."] },
    );
    const run = recorder();
    const result = await client().stream(run.request);
    expect(result).toMatchObject({ text: "Done.", steps: 2, toolCalls: 2 });
    const finished = run.tools().filter((event) => event.state === "output-available");
    expect(finished).toEqual([
      expect.objectContaining({ toolCallId: "call_a", toolName: "current_time", output: NOW }),
      expect.objectContaining({
        toolCallId: "call_b",
        toolName: "calculator",
        input: { expression: "6 * 7" },
        output: { expression: "6 * 7", value: 42 },
      }),
    ]);
    const results = toolMessages(gateway.requests[1]?.messages ?? []);
    expect(results.map((message) => message.tool_call_id)).toEqual(["call_a", "call_b"]);
  });

  it("turns an input the schema refuses into an error the model sees, without running the tool", async () => {
    let ran = false;
    const strict: ToolDefinition = { ...calculator, execute: async () => (ran = true) };
    gateway.enqueue(
      { toolCalls: [{ id: "call_bad", name: "calculator", arguments: '{"expr":5}' }] },
      { tokens: ["Sorry, I passed the wrong input."] },
    );
    const run = recorder({ tools: [strict] });
    const result = await client().stream(run.request);
    expect(ran).toBe(false);
    expect(result.text).toBe("Sorry, I passed the wrong input.");
    const last = run.tools().at(-1);
    expect(last).toMatchObject({ state: "output-error", toolCallId: "call_bad", input: { expr: 5 } });
    expect(last?.errorText).toMatch(/Invalid input for tool calculator/);
    const [sent] = toolMessages(gateway.requests[1]?.messages ?? []);
    expect(sent?.tool_call_id).toBe("call_bad");
    expect(sent?.content).toContain("Invalid input for tool calculator");
  });

  it("turns a tool that throws into an error the model and the caller see", async () => {
    const broken: ToolDefinition = {
      ...currentTime,
      execute: async () => {
        throw new Error("the clock is broken");
      },
    };
    gateway.enqueue({ toolCalls: [{ name: "current_time", arguments: "{}" }] }, { tokens: ["No clock."] });
    const run = recorder({ tools: [broken] });
    const result = await client().stream(run.request);
    expect(result.text).toBe("No clock.");
    expect(run.tools().at(-1)).toMatchObject({ state: "output-error", errorText: "the clock is broken" });
    expect(toolMessages(gateway.requests[1]?.messages ?? [])[0]?.content).toBe("the clock is broken");
  });

  it("fails a tool that runs too long as timed out, aborting it, and goes on to the next step", async () => {
    let signal: AbortSignal | undefined;
    const stuck: ToolDefinition = {
      ...currentTime,
      // Ignores its signal on purpose: the run must not wait for it.
      execute: (_input, context) => {
        signal = context.abortSignal;
        return new Promise(() => {});
      },
    };
    gateway.enqueue({ toolCalls: [{ name: "current_time", arguments: "{}" }] }, { tokens: ["Too slow."] });
    const run = recorder({ tools: [stuck], toolTimeoutMs: 300 });
    const started = Date.now();
    const result = await client().stream(run.request);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(result).toMatchObject({ finishReason: "stop", text: "Too slow.", steps: 2 });
    expect(signal?.aborted).toBe(true);
    const last = run.tools().at(-1);
    expect(last).toMatchObject({ state: "output-error", errorText: "current_time timed out after 0.3 s" });
    expect(toolMessages(gateway.requests[1]?.messages ?? [])[0]?.content).toBe(
      "current_time timed out after 0.3 s",
    );
  });

  it("does not call a slow tool a stalled model", async () => {
    const slow: ToolDefinition = {
      ...currentTime,
      execute: () => new Promise((resolve) => setTimeout(() => resolve(NOW), 600)),
    };
    gateway.enqueue({ toolCalls: [{ name: "current_time", arguments: "{}" }] }, { tokens: ["Finally."] });
    const run = recorder({ tools: [slow] });
    const result = await client({ chunkTimeoutMs: 200 }).stream(run.request);
    expect(result.text).toBe("Finally.");
    expect(run.tools().at(-1)).toMatchObject({ state: "output-available", output: NOW });
  });

  it("stops a running tool and ends the run as cancelled at once", async () => {
    let signal: AbortSignal | undefined;
    let abortedAt = 0;
    const waiting: ToolDefinition = {
      ...currentTime,
      execute: (_input, context) => {
        signal = context.abortSignal;
        setTimeout(() => {
          abortedAt = Date.now();
          run.controller.abort();
        }, 100);
        return new Promise(() => {});
      },
    };
    gateway.enqueue(
      { tokens: ["Checking."], toolCalls: [{ name: "current_time", arguments: "{}" }] },
      { tokens: ["Never sent."] },
    );
    const run = recorder({ tools: [waiting], toolTimeoutMs: 10_000 });
    const result = await client().stream(run.request);
    expect(Date.now() - abortedAt).toBeLessThan(500);
    expect(result).toMatchObject({ finishReason: "cancelled", text: "Checking." });
    expect(signal?.aborted).toBe(true);
    expect(run.tools().at(-1)?.state).toBe("input-available");
    await gateway.requests[0]?.closed;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(gateway.requests).toHaveLength(1);
  });

  it("stops while the call's input streams, closing the upstream request", async () => {
    gateway.enqueue({
      toolCalls: [{ name: "calculator", arguments: '{"expression":"1 + 2 + 3 + 4"}', chunks: 10 }],
      tokenDelayMs: 40,
    });
    let abortedAt = 0;
    const run = recorder({
      onTool: (event) => {
        run.log.push({ kind: "tool", ...event });
        if (event.inputDelta !== undefined && abortedAt === 0) {
          abortedAt = Date.now();
          run.controller.abort();
        }
      },
    });
    const result = await client().stream(run.request);
    expect(result.finishReason).toBe("cancelled");
    const [sent] = gateway.requests;
    await sent?.closed;
    expect(sent?.finishedAt).toBeUndefined();
    expect((sent?.clientClosedAt ?? Number.POSITIVE_INFINITY) - abortedAt).toBeLessThan(500);
  });

  it("never retries once a tool event went out", async () => {
    gateway.enqueue({
      toolCalls: [{ name: "calculator", arguments: '{"expression":"1"}', chunks: 4 }],
      dropAfter: 3,
    });
    const run = recorder();
    const error = await client()
      .stream(run.request)
      .then(
        () => undefined,
        (reason: unknown) => reason,
      );
    expect(error).toMatchObject({ code: "connection_lost" });
    expect(run.tools().length).toBeGreaterThan(0);
    expect(gateway.requests).toHaveLength(1);
  });

  it("ends with the text it has when maxSteps is reached, offering no tools in the last step", async () => {
    const call = { name: "current_time", arguments: "{}" };
    gateway.enqueue({ tokens: ["One."], toolCalls: [call] }, { tokens: [" Two."], toolCalls: [call] });
    const run = recorder({ maxSteps: 2 });
    const result = await client().stream(run.request);
    expect(result).toMatchObject({ finishReason: "stop", text: "One. Two.", steps: 2 });
    expect(gateway.requests).toHaveLength(2);
    expect(gateway.requests[0]?.body.tools).toHaveLength(2);
    expect(gateway.requests[1]?.body.tools).toBeUndefined();
    expect(run.tools().filter((event) => event.state === "output-available")).toHaveLength(1);
  });

  it("asks a model that refuses tools again without them, and remembers it", async () => {
    const refusal = {
      status: 400,
      errorMessage: "registry.ollama.ai/library/gemma3:1b does not support tools",
    };
    gateway.enqueue(refusal, { tokens: ["Without", " tools."] }, { tokens: ["Again."] });
    const llm = client();
    const first = await llm.stream(recorder().request);
    expect(first).toMatchObject({ finishReason: "stop", text: "Without tools." });
    expect(gateway.requests).toHaveLength(2);
    expect(gateway.requests[0]?.body.tools).toHaveLength(2);
    expect(gateway.requests[1]?.body.tools).toBeUndefined();
    // The next answer of that model goes without tools at once.
    expect(await llm.stream(recorder().request)).toMatchObject({ text: "Again." });
    expect(gateway.requests).toHaveLength(3);
    expect(gateway.requests[2]?.body.tools).toBeUndefined();
  });

  it("does not take any other refusal for a model without tools", async () => {
    gateway.enqueue({ status: 400, errorMessage: "messages: too long" });
    const error = await client()
      .stream(recorder().request)
      .then(
        () => undefined,
        (reason: unknown) => reason,
      );
    expect(error).toMatchObject({ code: "bad_request" });
    expect(gateway.requests).toHaveLength(1);
  });

  it("sends no tools when the request has none", async () => {
    await client().stream(recorder({ tools: undefined }).request);
    expect(gateway.requests[0]?.body.tools).toBeUndefined();
  });
});

describe("history with tool calls", () => {
  it("sends earlier tool calls and their results upstream, never the reasoning", async () => {
    const run = recorder({
      messages: [
        { role: "user", content: "What time is it, and what is 6 * 7?" },
        {
          role: "assistant",
          content: "Let me look.It is 03:04; 6 * 7 is 42.",
          parts: [
            { type: "reasoning", text: "SECRET THOUGHTS" },
            { type: "text", text: "Let me look." },
            {
              type: "tool",
              toolCallId: "c1",
              toolName: "current_time",
              state: "output-available",
              input: {},
              output: NOW,
            },
            {
              type: "tool",
              toolCallId: "c2",
              toolName: "calculator",
              state: "output-error",
              input: { expression: "6 * 7" },
              errorText: "calculator timed out after 30 s",
            },
            {
              type: "tool",
              toolCallId: "c3",
              toolName: "calculator",
              state: "output-available",
              input: { expression: "6*7" },
              output: { value: 42 },
            },
            { type: "text", text: "It is 03:04; 6 * 7 is 42." },
          ],
        },
        { role: "user", content: "And in an hour?" },
      ],
    });
    await client().stream(run.request);
    const messages = gateway.requests[0]?.messages ?? [];
    expect(JSON.stringify(messages)).not.toContain("SECRET");
    expect(messages.map((m) => m.role)).toEqual([
      "system",
      "user",
      "assistant",
      "tool",
      "tool",
      "tool",
      "assistant",
      "user",
    ]);
    expect(messages[2]).toMatchObject({ content: "Let me look." });
    expect(
      messages[2]?.tool_calls?.map((call) => [
        call.id,
        call.function.name,
        JSON.parse(call.function.arguments),
      ]),
    ).toEqual([
      ["c1", "current_time", {}],
      ["c2", "calculator", { expression: "6 * 7" }],
      ["c3", "calculator", { expression: "6*7" }],
    ]);
    expect(messages.slice(3, 6)).toEqual([
      { role: "tool", tool_call_id: "c1", content: NOW },
      { role: "tool", tool_call_id: "c2", content: "calculator timed out after 30 s" },
      { role: "tool", tool_call_id: "c3", content: '{"value":42}' },
    ]);
    expect(messages[6]).toMatchObject({ role: "assistant", content: "It is 03:04; 6 * 7 is 42." });
  });
});
