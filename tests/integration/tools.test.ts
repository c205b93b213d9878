import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AgentProcessingCompleteEvent, MessagePart } from "@/lib/protocol";
import type { ToolChange } from "@/lib/protocol/parts";
import type { FakeGateway } from "../fixtures/fake-gateway";
import {
  expectOk,
  fetchConversation,
  followingSockets,
  newSession,
  type ReceivedEvent,
  request,
  streamedText,
} from "../helpers/client";
import { type GatewayServer, startServerWithGateway } from "../helpers/gateway-server";
import { rebuild, sequenced } from "../helpers/parts-replay";
import type { ServerProcess } from "../helpers/server-process";

const REASONING = ["I should", " use", " the", " calculator."];
const ANSWER = ["Six", " times", " seven", " is", " 42."];
const CALC_ARGS = '{"expression":"6 * 7"}';

let gateway: FakeGateway;
let server: ServerProcess;
const following = followingSockets();

let running: GatewayServer;

beforeAll(async () => {
  running = await startServerWithGateway({
    agents: [
      { id: "calc", name: "Calc", systemPrompt: "Compute.", tools: ["calculator"], maxSteps: 3 },
      { id: "finder", name: "Finder", systemPrompt: "Search.", tools: ["search_conversations"] },
    ],
    env: { LLM_CHUNK_TIMEOUT_MS: "5000" },
  });
  ({ gateway, server } = running);
});
afterAll(async () => {
  await running?.stop();
});
afterEach(() => {
  expect(following.closeAll()).toEqual([]);
  gateway.reset();
});

const follow = (cookie: string) => following.follow(server.url, cookie);

const toolEvents = (events: ReceivedEvent[]) =>
  events.filter((e) => e.name === "agent_processing_tool").map((e) => e.payload as unknown as ToolChange);

async function ask(cookie: string, text: string, agentId: string, conversationId?: string) {
  const viewer = await follow(cookie);
  const ack = expectOk(
    await request(viewer.socket, "send_message", {
      ...(conversationId && { conversationId }),
      text,
      agentIds: [agentId],
      clientMessageId: `t-${Math.random().toString(36).slice(2)}`,
    }),
  );
  return { ...viewer, ack, messageId: ack.runs[0]?.messageId ?? "" };
}

describe("an agent granted the calculator", () => {
  it("streams the call, runs it, sends the result upstream and answers, in one seq, with equal parts everywhere", async () => {
    gateway.enqueue(
      {
        reasoning: REASONING,
        toolCalls: [{ id: "call_calc", name: "calculator", arguments: CALC_ARGS, chunks: 6 }],
        tokenDelayMs: 60,
      },
      { tokens: ANSWER, tokenDelayMs: 20 },
    );
    const { cookie } = await newSession(server.url);
    const owner = await ask(cookie, "What is 6 times 7?", "calc");

    // A second viewer joins while the tool call's input is still streaming.
    await owner.events.waitFor(() => toolEvents(owner.events.forMessage(owner.messageId)).length >= 1);
    const joiner = await follow(cookie);
    const joined = expectOk(
      await request(joiner.socket, "join_conversation", { conversationId: owner.ack.conversationId }),
    );
    const snapshot = joined.inProgress.find((run) => run.messageId === owner.messageId);
    expect(snapshot?.parts.some((part) => part.type === "tool")).toBe(true);

    const terminal = (await owner.events.terminalOf(owner.messageId)) as AgentProcessingCompleteEvent;
    await joiner.events.terminalOf(owner.messageId);
    expect(terminal.finishReason).toBe("stop");
    const run = owner.events.forMessage(owner.messageId);
    const ordered = sequenced(run);
    expect(ordered.map((e) => e.payload.seq)).toEqual(ordered.map((_, index) => index));
    expect(ordered.at(-1)?.name).toBe("agent_processing_complete");
    const kinds = ordered.map((e) => e.name);
    expect(kinds.lastIndexOf("agent_processing_reasoning")).toBeLessThan(
      kinds.indexOf("agent_processing_tool"),
    );
    expect(kinds.lastIndexOf("agent_processing_tool")).toBeLessThan(kinds.indexOf("agent_processing_update"));

    const tools = toolEvents(run);
    const states = tools.map((e) => e.state);
    expect(states.at(-1)).toBe("output-available");
    expect(states.at(-2)).toBe("input-available");
    expect(states.slice(0, -2).every((state) => state === "input-streaming")).toBe(true);
    expect(states.length).toBeGreaterThanOrEqual(3);
    expect(tools.every((e) => e.toolCallId === "call_calc" && e.toolName === "calculator")).toBe(true);
    expect(tools.map((e) => e.inputDelta ?? "").join("")).toBe(CALC_ARGS);
    expect(tools.at(-2)?.input).toEqual({ expression: "6 * 7" });
    expect(tools.at(-1)?.output).toBe("42");

    // The calculator's real result went back upstream in the second request.
    const second = gateway.requests[1];
    const call = second?.messages.find((m) => m.role === "assistant" && m.tool_calls?.length);
    expect(call?.tool_calls?.[0]).toMatchObject({ id: "call_calc", function: { name: "calculator" } });
    const result = second?.messages.find((m) => m.role === "tool");
    expect(result).toMatchObject({ tool_call_id: "call_calc" });
    expect(JSON.stringify(result?.content)).toContain("42");

    const expected: MessagePart[] = [
      { type: "reasoning", text: REASONING.join("") },
      {
        type: "tool",
        toolCallId: "call_calc",
        toolName: "calculator",
        state: "output-available",
        input: { expression: "6 * 7" },
        output: "42",
      },
      { type: "text", text: ANSWER.join("") },
    ];
    expect(streamedText(run)).toBe(ANSWER.join(""));
    expect(terminal.text).toBe(ANSWER.join(""));
    expect(terminal.parts).toEqual(expected);
    const whole = () =>
      owner.events.events.find(
        (e) => e.name === "agent_message" && (e.payload.message as { id: string }).id === owner.messageId,
      );
    await owner.events.waitFor(() => whole() !== undefined);
    expect((whole()?.payload.message as { parts?: MessagePart[] } | undefined)?.parts).toEqual(expected);
    const stored = await fetchConversation(server.url, cookie, owner.ack.conversationId);
    expect(stored.messages[1]?.parts).toEqual(expected);
    if (snapshot) expect(rebuild(snapshot, joiner.events.forMessage(owner.messageId))).toEqual(expected);

    // A follow-up question's request carries the earlier tool call and its result.
    gateway.enqueue({ tokens: ["Still 42."] });
    const next = await ask(cookie, "And again?", "calc", owner.ack.conversationId);
    await next.events.terminalOf(next.messageId);
    const followUp = gateway.requests[2]?.messages ?? [];
    expect(followUp.map((m) => m.role)).toEqual(["system", "user", "assistant", "tool", "assistant", "user"]);
    expect(followUp[2]?.tool_calls?.[0]).toMatchObject({
      id: "call_calc",
      function: { name: "calculator", arguments: expect.stringContaining("6 * 7") },
    });
    expect(JSON.stringify(followUp[3]?.content)).toContain("42");
    expect(followUp[4]?.content).toBe(ANSWER.join(""));
  });

  it.each([
    ["every tool-call chunk at index 0", { sameToolCallIndex: true }],
    ['finish_reason "stop" after the calls', { finishReason: "stop" as const }],
  ])("copes with %s", async (_, quirk) => {
    gateway.enqueue(
      {
        toolCalls: [
          { id: "call_a", name: "calculator", arguments: '{"expression":"2^10"}' },
          { id: "call_b", name: "calculator", arguments: '{"expression":"sqrt(81)"}' },
        ],
        ...quirk,
      },
      { tokens: ["1024 and 9."] },
    );
    const { cookie } = await newSession(server.url);
    const owner = await ask(cookie, "Two sums", "calc");
    const terminal = (await owner.events.terminalOf(owner.messageId)) as AgentProcessingCompleteEvent;
    expect(terminal.parts).toEqual([
      {
        type: "tool",
        toolCallId: "call_a",
        toolName: "calculator",
        state: "output-available",
        input: { expression: "2^10" },
        output: "1024",
      },
      {
        type: "tool",
        toolCallId: "call_b",
        toolName: "calculator",
        state: "output-available",
        input: { expression: "sqrt(81)" },
        output: "9",
      },
      { type: "text", text: "1024 and 9." },
    ]);
    const ordered = sequenced(owner.events.forMessage(owner.messageId));
    expect(ordered.map((e) => e.payload.seq)).toEqual(ordered.map((_, index) => index));
    const results = gateway.requests[1]?.messages.filter((m) => m.role === "tool") ?? [];
    expect(results.map((m) => m.tool_call_id)).toEqual(["call_a", "call_b"]);
    expect(JSON.stringify(results.map((m) => m.content))).toMatch(/1024.*9/);
  });

  it("turns a refused expression into an error result the model and the viewers see", async () => {
    gateway.enqueue(
      {
        toolCalls: [
          { id: "call_bad", name: "calculator", arguments: '{"expression":"evaluate(\\"1+1\\")"}' },
        ],
      },
      { tokens: ["I cannot."] },
    );
    const { cookie } = await newSession(server.url);
    const owner = await ask(cookie, "Trick", "calc");
    const terminal = (await owner.events.terminalOf(owner.messageId)) as AgentProcessingCompleteEvent;
    expect(terminal.finishReason).toBe("stop");
    const tool = terminal.parts.find((part) => part.type === "tool");
    expect(tool).toMatchObject({ state: "output-error", errorText: expect.stringMatching(/evaluate/) });
    const result = gateway.requests[1]?.messages.find((m) => m.role === "tool");
    expect(JSON.stringify(result?.content)).toMatch(/evaluate/);
  });
});

describe("search_conversations", () => {
  it("finds the owner's passages and never another identity's", async () => {
    const alice = await newSession(server.url);
    const bob = await newSession(server.url);
    gateway.setDefault({ tokens: ["Noted."] });
    for (const [session, word] of [
      [alice, "The harbour code is PELICAN-7 for alice"],
      [bob, "The harbour code is PELICAN-9 for bob"],
    ] as const) {
      const sent = await ask(session.cookie, word, "calc");
      await sent.events.terminalOf(sent.messageId);
    }

    gateway.enqueue(
      { toolCalls: [{ id: "call_s", name: "search_conversations", arguments: '{"query":"pelican"}' }] },
      { tokens: ["Found it."] },
    );
    const search = await ask(alice.cookie, "What was the harbour code?", "finder");
    const terminal = (await search.events.terminalOf(search.messageId)) as AgentProcessingCompleteEvent;
    const tool = terminal.parts.find((part) => part.type === "tool");
    expect(tool?.state).toBe("output-available");
    const output = JSON.stringify(tool?.type === "tool" ? tool.output : null);
    expect(output).toContain("PELICAN-7");
    expect(output).not.toContain("PELICAN-9");
    const sentBack = gateway.requests.at(-1)?.messages.find((m) => m.role === "tool");
    expect(JSON.stringify(sentBack?.content)).toContain("PELICAN-7");
    expect(JSON.stringify(sentBack?.content)).not.toContain("PELICAN-9");

    // LIKE wildcards match only themselves: "%%" finds nothing of Alice's.
    gateway.enqueue(
      { toolCalls: [{ id: "call_w", name: "search_conversations", arguments: '{"query":"%%"}' }] },
      { tokens: ["Nothing."] },
    );
    const wild = await ask(alice.cookie, "Anything?", "finder");
    const wildEnd = (await wild.events.terminalOf(wild.messageId)) as AgentProcessingCompleteEvent;
    const wildTool = wildEnd.parts.find((part) => part.type === "tool");
    expect(wildTool?.type === "tool" && wildTool.output).toEqual({ query: "%%", passages: [] });
  });
});
