import { describe, expect, it } from "vitest";
import { ConversationSync } from "@/lib/client/conversation-sync";
import {
  type AssistantEntry,
  type ChatAction,
  type ChatState,
  chatReducer,
  displayStatus,
  initialChatState,
  type ServerEvent,
} from "@/lib/client/state";
import type { AgentProcessingToolEvent, JoinConversationResult, Message, MessagePart } from "@/lib/protocol";

const C = "conv-1";
const names = { scout: "Scout" };
const ref = { conversationId: C, messageId: "a", agentId: "scout" };

const started: ServerEvent = {
  name: "agent_processing_started",
  payload: { ...ref, agentName: "Scout", model: "m", seq: 0, ts: 1 },
};
const reasoning = (seq: number, delta: string): ServerEvent => ({
  name: "agent_processing_reasoning",
  payload: { ...ref, seq, delta, ts: 10 + seq },
});
const update = (seq: number, delta: string): ServerEvent => ({
  name: "agent_processing_update",
  payload: { ...ref, seq, delta, textLength: 0, tokenCount: seq, progress: 0.5, etaMs: 500, ts: 10 + seq },
});
type ToolFields = Omit<AgentProcessingToolEvent, "conversationId" | "messageId" | "agentId" | "seq" | "ts">;
const tool = (seq: number, fields: Partial<ToolFields> & Pick<ToolFields, "state">): ServerEvent => ({
  name: "agent_processing_tool",
  payload: { ...ref, seq, toolCallId: "call-1", toolName: "calculator", ts: 10 + seq, ...fields },
});
const complete = (seq: number, text: string, parts: MessagePart[]): ServerEvent => ({
  name: "agent_processing_complete",
  payload: {
    ...ref,
    seq,
    text,
    parts,
    finishReason: "stop",
    usage: { outputTokens: 3 },
    timing: { firstTokenMs: 5, totalMs: 50 },
    ts: 100,
  },
});

/** A calculator call as the server streams it: reasoning, the input in two pieces, the input, the result, the answer. */
const calculatorRun: ServerEvent[] = [
  reasoning(1, "Multiply."),
  tool(2, { state: "input-streaming", inputDelta: '{"expres' }),
  tool(3, { state: "input-streaming", inputDelta: 'sion":"6*7"}' }),
  tool(4, { state: "input-available", input: { expression: "6*7" } }),
  tool(5, { state: "output-available", output: "42" }),
  update(6, "The answer is 42."),
];
const finalParts: MessagePart[] = [
  { type: "reasoning", text: "Multiply." },
  {
    type: "tool",
    toolCallId: "call-1",
    toolName: "calculator",
    state: "output-available",
    input: { expression: "6*7" },
    output: "42",
  },
  { type: "text", text: "The answer is 42." },
];

const stored = (id: string, role: Message["role"], text: string, status: Message["status"]): Message => ({
  id,
  role,
  agentId: role === "assistant" ? "scout" : null,
  text,
  status,
  createdAt: "2025-01-01T00:00:00.000Z",
});
const snapshotOf = (
  messages: Message[],
  inProgress: JoinConversationResult["inProgress"] = [],
): JoinConversationResult => ({
  conversation: { id: C, title: "t", visibility: "private", messages },
  inProgress,
});

const events = (...list: ServerEvent[]): ChatAction[] =>
  list.map((event) => ({ type: "server_event", event }));
function run(list: ServerEvent[], start?: ChatState): ChatState {
  const initial = start ?? initialChatState({ agentNames: names, snapshot: snapshotOf([]) });
  return events(...list).reduce(chatReducer, initial);
}
const answer = (state: ChatState) =>
  state.entries.find((entry): entry is AssistantEntry => entry.kind === "assistant" && entry.id === "a");

describe("chat client state: tool calls", () => {
  it("adds a tool part at its first change and updates it in place, the streamed input joined", () => {
    const streaming = run([started, ...calculatorRun.slice(0, 3)]);
    expect(answer(streaming)).toMatchObject({
      phase: "streaming",
      seq: 3,
      text: "",
      parts: [
        { type: "reasoning", text: "Multiply." },
        { type: "tool", toolCallId: "call-1", state: "input-streaming", input: '{"expression":"6*7"}' },
      ],
      // The reasoning ended when the tool call began.
      partTimes: { 0: { startedAt: 11, endedAt: 12 } },
    });
    expect(displayStatus((answer(streaming) as AssistantEntry).phase)).toBe("streaming");

    const running = run(calculatorRun.slice(3, 4), streaming);
    expect(answer(running)?.parts[1]).toEqual({
      type: "tool",
      toolCallId: "call-1",
      toolName: "calculator",
      state: "input-available",
      input: { expression: "6*7" },
    });
    const resulted = run(calculatorRun.slice(4, 5), running);
    const done = run(calculatorRun.slice(5), resulted);
    expect(answer(done)).toMatchObject({ seq: 6, text: "The answer is 42.", phase: "streaming" });
    expect(answer(done)?.parts).toEqual(finalParts);
    // Parts a change does not touch keep their identity, so their cards need not render again.
    expect(answer(done)?.parts[0]).toBe(answer(streaming)?.parts[0]);
    expect(answer(done)?.parts[1]).toBe(answer(resulted)?.parts[1]);
  });

  it("holds tool changes that arrive ahead of a gap and applies them once it fills", () => {
    const [first, ...rest] = calculatorRun as [ServerEvent, ...ServerEvent[]];
    const held = run([started, ...rest.reverse()]);
    expect(answer(held)).toMatchObject({ seq: 0, parts: [], text: "" });
    expect(Object.keys(answer(held)?.pending ?? {})).toEqual(["2", "3", "4", "5", "6"]);
    const filled = run([first], held);
    expect(answer(filled)).toMatchObject({ seq: 6, pending: {}, text: "The answer is 42." });
    expect(answer(filled)?.parts).toEqual(finalParts);
  });

  it("drops tool changes it has already applied or is already holding", () => {
    const once = run([started, ...calculatorRun]);
    const twice = run([started, ...calculatorRun.flatMap((event) => [event, event]), ...calculatorRun]);
    expect(answer(twice)?.parts).toEqual(answer(once)?.parts);
    expect(answer(twice)?.text).toBe("The answer is 42.");
    const again = run([calculatorRun[2] as ServerEvent], once);
    expect(again).toBe(once);
    const done = run([complete(7, "The answer is 42.", finalParts)], once);
    expect(run([tool(8, { state: "output-error", errorText: "late" })], done)).toBe(done);
  });

  it("keeps separate calls apart by id, in the order they began", () => {
    const second = (seq: number, fields: Partial<ToolFields> & Pick<ToolFields, "state">) =>
      tool(seq, { toolCallId: "call-2", toolName: "current_time", ...fields });
    const state = run([
      started,
      tool(1, { state: "input-available", input: { expression: "1/0" } }),
      second(2, { state: "input-available", input: {} }),
      second(3, { state: "output-available", output: "12:00" }),
      tool(4, { state: "output-error", errorText: "Division by zero" }),
    ]);
    expect(answer(state)?.parts).toEqual([
      {
        type: "tool",
        toolCallId: "call-1",
        toolName: "calculator",
        state: "output-error",
        input: { expression: "1/0" },
        errorText: "Division by zero",
      },
      {
        type: "tool",
        toolCallId: "call-2",
        toolName: "current_time",
        state: "output-available",
        input: {},
        output: "12:00",
      },
    ]);
  });

  it("shows a call as soon as it opens, before any of its input", () => {
    const opened = run([started, tool(1, { state: "input-streaming" })]);
    expect(answer(opened)?.parts).toEqual([
      { type: "tool", toolCallId: "call-1", toolName: "calculator", state: "input-streaming" },
    ]);
    const typed = run([tool(2, { state: "input-streaming", inputDelta: "{" })], opened);
    expect(answer(typed)?.parts[0]).toMatchObject({ input: "{" });
  });

  it("moves the progress bar through tool steps, never backwards", () => {
    const state = run([
      started,
      tool(1, { state: "input-available", input: {}, progress: 0.3, etaMs: 4_000 }),
      tool(2, { state: "output-available", output: "x", progress: 0.2, etaMs: 5_000 }),
    ]);
    expect(answer(state)).toMatchObject({ progress: 0.3, etaMs: 5_000 });
    const plain = run([update(3, "Hi")], state);
    expect(answer(plain)).toMatchObject({ progress: 0.5, etaMs: 500 });
  });

  it("rebuilds exactly the completed parts after joining mid-tool", () => {
    const view = { state: initialChatState({ agentNames: names }) };
    const sync = new ConversationSync((action) => {
      view.state = chatReducer(view.state, action);
    });
    sync.beginJoin();
    // Changes 3..4 arrive before the ack; the snapshot was taken at seq 3, in the middle of the input.
    sync.receive(calculatorRun[2] as ServerEvent);
    sync.receive(calculatorRun[3] as ServerEvent);
    const partsAt3: MessagePart[] = [
      { type: "reasoning", text: "Multiply." },
      {
        type: "tool",
        toolCallId: "call-1",
        toolName: "calculator",
        state: "input-streaming",
        input: '{"expression":"6*7"}',
      },
    ];
    sync.joined(
      snapshotOf(
        [stored("u1", "user", "6*7?", "complete"), stored("a", "assistant", "", "streaming")],
        [{ messageId: "a", agentId: "scout", seq: 3, text: "", parts: partsAt3 }],
      ),
    );
    expect(answer(view.state)).toMatchObject({ phase: "streaming", seq: 4 });
    expect(answer(view.state)?.parts[1]).toMatchObject({
      state: "input-available",
      input: { expression: "6*7" },
    });
    sync.receive(calculatorRun[5] as ServerEvent);
    sync.receive(calculatorRun[4] as ServerEvent);
    sync.receive(calculatorRun[3] as ServerEvent);
    expect(answer(view.state)?.parts).toEqual(finalParts);
    sync.receive(complete(7, "The answer is 42.", finalParts));
    expect(answer(view.state)).toMatchObject({ phase: "complete", text: "The answer is 42." });
    expect(answer(view.state)?.parts).toEqual(finalParts);
  });

  it("takes the terminal event's parts over what it rebuilt", () => {
    const failed = run([
      started,
      ...calculatorRun.slice(0, 4),
      {
        name: "agent_processing_error",
        payload: {
          ...ref,
          seq: 5,
          error: { code: "cancelled", message: "Stopped", retryable: false },
          partialText: "",
          parts: finalParts.slice(0, 1),
          ts: 50,
        },
      },
    ]);
    expect(answer(failed)).toMatchObject({ phase: "error", parts: finalParts.slice(0, 1) });
  });
});
