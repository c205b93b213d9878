import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createAskAgentTool } from "../../lib/agents/tools/ask-agent";
import { createDemoClient, DEMO_LABEL } from "../../lib/llm/demo-model";
import {
  agentAskedIn,
  composeDemoAnswer,
  composeDemoReasoning,
  expressionIn,
  quoteOf,
  splitIntoWords,
} from "../../lib/llm/demo-text";
import type { StreamRequest, ToolDefinition, ToolEvent } from "../../lib/llm/types";

const fast = { initialDelayMs: 0, wordDelayMs: 1 };

function request(text: string, overrides: Partial<StreamRequest> = {}) {
  const deltas: string[] = [];
  const reasoning: string[] = [];
  /** Which callback was called, in order. */
  const order: ("reasoning" | "text")[] = [];
  const controller = new AbortController();
  const req: StreamRequest = {
    modelId: "demo",
    system: "You are helpful.",
    messages: [
      { role: "user", content: "earlier question" },
      { role: "assistant", content: "earlier answer" },
      { role: "user", content: text },
    ],
    abortSignal: controller.signal,
    onDelta: (delta) => {
      deltas.push(delta);
      order.push("text");
    },
    onReasoning: (delta) => {
      reasoning.push(delta);
      order.push("reasoning");
    },
    ...overrides,
  };
  return { req, deltas, reasoning, order, controller };
}

describe("demo client", () => {
  it("describes itself as the offline demo with one model", async () => {
    const client = createDemoClient({ pace: fast });
    expect(client.kind).toBe("demo");
    expect(client.label).toBe("Demo model (offline)");
    expect(DEMO_LABEL).toBe(client.label);
    expect(await client.listModels()).toEqual([{ id: "demo", ownedBy: "switchboard" }]);
    expect(await client.defaultModel()).toBe("demo");
    expect((await client.health()).ok).toBe(true);
  });

  it("streams many word deltas whose concatenation is the answer", async () => {
    const { req, deltas, reasoning } = request("How do I deploy this on Kubernetes?");
    const result = await createDemoClient({ pace: fast }).stream(req);
    expect(deltas.length).toBeGreaterThan(50);
    expect(deltas.every((delta) => delta.length > 0)).toBe(true);
    expect(deltas.join("")).toBe(result.text);
    expect(result).toMatchObject({ finishReason: "stop", simulated: false });
    expect(result.usage.outputTokens).toBe(deltas.length + reasoning.length);
    expect(result.firstTokenMs).not.toBeNull();
  });

  it("reasons first, word by word, about the question and honestly as a script, then answers", async () => {
    const { req, reasoning, order } = request("Why is the sky blue?");
    const result = await createDemoClient({ pace: fast }).stream(req);
    expect(reasoning.length).toBeGreaterThan(20);
    expect(reasoning.every((delta) => delta.length > 0)).toBe(true);
    expect(result.reasoning).toBe(reasoning.join(""));
    expect(result.reasoning).toBe(composeDemoReasoning("Why is the sky blue?"));
    expect(result.reasoning).toContain('"Why is the sky blue?"');
    expect(result.reasoning).toMatch(/scripted/);
    expect(order.indexOf("text")).toBe(reasoning.length);
    expect(order.slice(reasoning.length).every((kind) => kind === "text")).toBe(true);
    expect(result.text).not.toContain(result.reasoning);
  });

  it("says it is the offline demo, quotes the last user message and shows Markdown", async () => {
    const { req } = request("How do I deploy this on Kubernetes?");
    const { text } = await createDemoClient({ pace: fast }).stream(req);
    expect(text).toContain("offline demo model");
    expect(text).toContain("> How do I deploy this on Kubernetes?");
    expect(text).not.toContain("earlier question");
    expect(text).toMatch(/^- /m);
    expect(text).toMatch(/```ts\n[\s\S]+\n```/);
  });

  it("answers the same input with the same text", async () => {
    const client = createDemoClient({ pace: fast });
    const first = await client.stream(request("same words").req);
    const second = await client.stream(request("same words").req);
    const other = await client.stream(request("different words entirely").req);
    expect(second.text).toBe(first.text);
    expect(other.text).not.toBe(first.text);
  });

  it("streams at a readable pace by default, reasoning for one to two seconds", async () => {
    const { req, deltas, reasoning, controller } = request("pace check");
    setTimeout(() => controller.abort(), 700);
    const result = await createDemoClient().stream(req);
    expect(result.finishReason).toBe("cancelled");
    // ~400 ms before the first word, then ~32 ms per word, the reasoning first
    expect(reasoning.length).toBeGreaterThanOrEqual(2);
    expect(reasoning.length).toBeLessThan(20);
    expect(deltas).toEqual([]);
    const words = splitIntoWords(composeDemoReasoning("pace check")).length;
    expect(400 + words * 32).toBeGreaterThanOrEqual(1_000);
    expect(400 + words * 32).toBeLessThanOrEqual(2_400);
  });

  it("stops at once when aborted while reasoning, keeping the reasoning so far", async () => {
    const { req, reasoning, deltas, controller } = request("stop thinking", {
      onReasoning: (delta) => {
        reasoning.push(delta);
        if (reasoning.length === 4) controller.abort();
      },
    });
    const result = await createDemoClient({ pace: { initialDelayMs: 0, wordDelayMs: 20 } }).stream(req);
    expect(result).toMatchObject({ finishReason: "cancelled", text: "" });
    expect(reasoning).toHaveLength(4);
    expect(result.reasoning).toBe(reasoning.join(""));
    expect(deltas).toEqual([]);
  });

  it("stops at once on abort and resolves cancelled with the text so far", async () => {
    const { req, deltas, controller } = request("please stop", {
      onDelta: (delta) => {
        deltas.push(delta);
        if (deltas.length === 5) controller.abort();
      },
    });
    const result = await createDemoClient({ pace: { initialDelayMs: 0, wordDelayMs: 20 } }).stream(req);
    expect(result.finishReason).toBe("cancelled");
    expect(deltas).toHaveLength(5);
    expect(result.text).toBe(deltas.join(""));
  });
});

describe("demo client with tools", () => {
  const clock: ToolDefinition = {
    name: "current_time",
    description: "The current time.",
    inputSchema: z.object({ timeZone: z.string().optional() }),
    execute: async () => "2030-01-02T03:04:05.000Z",
  };
  const calculator: ToolDefinition = {
    name: "calculator",
    description: "Arithmetic.",
    inputSchema: z.object({ expression: z.string() }),
    execute: async (input) => `= ${(input as { expression: string }).expression === "12 * 7" ? 84 : 42}`,
  };

  function withTools(text: string, tools: ToolDefinition[]) {
    const events: ToolEvent[] = [];
    const run = request(text, { tools, onTool: (event) => events.push(event) });
    return { ...run, events };
  }

  it("reasons, calls current_time, then answers reporting what the tool returned", async () => {
    const run = withTools("What time is it?", [calculator, clock]);
    const result = await createDemoClient({ pace: fast }).stream(run.req);
    expect(result).toMatchObject({ finishReason: "stop", steps: 2, toolCalls: 1 });
    expect(run.events.map((event) => event.state)).toEqual([
      "input-streaming",
      ...run.events.filter((event) => event.inputDelta !== undefined).map(() => "input-streaming"),
      "input-available",
      "output-available",
    ]);
    expect(run.events.map((event) => event.inputDelta ?? "").join("")).toBe('{"timeZone":"UTC"}');
    expect(run.events.at(-2)).toMatchObject({ toolName: "current_time", input: { timeZone: "UTC" } });
    expect(result.reasoning).toContain("current_time");
    expect(result.text).toMatch(
      /^I called the `current_time` tool and it returned `2030-01-02T03:04:05.000Z`/,
    );
    expect(result.text).toContain("offline demo model");
    // the reasoning streams first, then the call, then the answer
    expect(run.order.indexOf("text")).toBe(run.reasoning.length);
  });

  it("consults the agent a message asks for with ask_agent, before any other tool", async () => {
    const asked: string[] = [];
    const askAgent = createAskAgentTool({
      self: { id: "atlas", name: "Atlas", description: "Lead." },
      roster: [
        { id: "atlas", name: "Atlas", description: "Lead." },
        { id: "quill", name: "Quill", description: "Reviewer." },
      ],
      consult: async ({ agentId }) => {
        asked.push(agentId);
        return { status: "complete", text: "Looks right to me." };
      },
    });
    const run = withTools("Please ask Quill whether 2 + 2 is 4.", [askAgent, clock, calculator]);
    const result = await createDemoClient({ pace: fast }).stream(run.req);
    expect(asked).toEqual(["quill"]);
    expect(run.events.find((event) => event.state === "input-available")?.input).toEqual({
      agentId: "quill",
      question: "Please ask Quill whether 2 + 2 is 4.",
    });
    expect(run.events.at(-1)).toMatchObject({ state: "output-available", output: "Looks right to me." });
    expect(result.text).toMatch(/^I asked another agent with the `ask_agent` tool/);

    // Without a name it knows, the demo uses its other tools as before.
    const plain = withTools("What time is it? Ask nobody.", [askAgent, clock]);
    await createDemoClient({ pace: fast }).stream(plain.req);
    expect(plain.events.at(-1)).toMatchObject({ toolName: "current_time" });
  });

  it("finds whom a message asks among the agents ask_agent lists, by id or name", () => {
    const listed = "Ask another agent.\n- quill (Quill): Reviewer.\n- deep-thought (Deep Thought): Slow.";
    expect(agentAskedIn("ask quill about it", listed)).toBe("quill");
    expect(agentAskedIn("Could you ASK @Quill?", listed)).toBe("quill");
    expect(agentAskedIn("ask deep-thought", listed)).toBe("deep-thought");
    expect(agentAskedIn("ask atlas", listed)).toBeUndefined();
    expect(agentAskedIn("quill, ask me", listed)).toBeUndefined();
  });

  it("calls the calculator with the user's arithmetic when current_time is not offered", async () => {
    const run = withTools("What is 12 * 7, roughly?", [calculator]);
    const result = await createDemoClient({ pace: fast }).stream(run.req);
    expect(run.events.find((event) => event.state === "input-available")?.input).toEqual({
      expression: "12 * 7",
    });
    expect(result.text).toContain("it returned `= 84`");
  });

  it("says so honestly when the tool fails", async () => {
    const broken: ToolDefinition = {
      ...clock,
      execute: async () => {
        throw new Error("no clock here");
      },
    };
    const run = withTools("time?", [broken]);
    const result = await createDemoClient({ pace: fast }).stream(run.req);
    expect(run.events.at(-1)).toMatchObject({ state: "output-error", errorText: "no clock here" });
    expect(result.text).toMatch(/^I called the `current_time` tool, but it failed: no clock here/);
  });

  it("answers as before when offered no tool it knows, or when only one step is allowed", async () => {
    const other: ToolDefinition = { ...clock, name: "search_conversations" };
    for (const overrides of [{ tools: [other] }, { tools: [clock], maxSteps: 1 }]) {
      const events: ToolEvent[] = [];
      const run = request("plain question", { ...overrides, onTool: (event) => events.push(event) });
      const result = await createDemoClient({ pace: fast }).stream(run.req);
      expect(events).toEqual([]);
      expect(result.text).toBe(composeDemoAnswer("plain question"));
      expect(result.steps).toBe(1);
    }
  });

  it("stops a running tool when cancelled", async () => {
    let signal: AbortSignal | undefined;
    const waiting: ToolDefinition = {
      ...clock,
      execute: (_input, context) => {
        signal = context.abortSignal;
        setTimeout(() => run.controller.abort(), 20);
        return new Promise(() => {});
      },
    };
    const run = withTools("time?", [waiting]);
    const result = await createDemoClient({ pace: fast }).stream(run.req);
    expect(result).toMatchObject({ finishReason: "cancelled", text: "" });
    expect(signal?.aborted).toBe(true);
  });
});

describe("demo text", () => {
  it("finds the arithmetic in a question", () => {
    expect(expressionIn("what is 12 * 7?")).toBe("12 * 7");
    expect(expressionIn("add 1.5+2 - 3 please")).toBe("1.5+2 - 3");
    expect(expressionIn("no numbers here")).toBeUndefined();
  });

  it("splits text into word deltas that join back exactly", () => {
    const text = composeDemoAnswer("a\n\nb  c");
    expect(splitIntoWords(text).join("")).toBe(text);
    expect(splitIntoWords("  lead and trail  ").join("")).toBe("  lead and trail  ");
    expect(splitIntoWords("")).toEqual([]);
  });

  it("quotes a long or multi-line message on one shortened line without backticks", () => {
    const quote = quoteOf(`first line\nsecond \`code\` ${"x".repeat(200)}`);
    expect(quote).not.toContain("\n");
    expect(quote).not.toContain("`");
    expect(quote.length).toBeLessThanOrEqual(80);
    expect(quote.endsWith("…")).toBe(true);
    expect(quoteOf("   ")).toBe("(an empty message)");
  });
});
