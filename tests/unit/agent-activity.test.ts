import { describe, expect, it } from "vitest";
import { agentActivity, queuedMessageIds } from "@/lib/client/activity";
import { type ChatState, chatReducer, initialChatState, type ServerEvent } from "@/lib/client/state";
import type { AgentProcessingToolEvent } from "@/lib/protocol";

const C = "conv-1";
const names: Record<string, string> = { atlas: "Atlas", quill: "Quill" };
const ids = (messageId: string, agentId: string) => ({ conversationId: C, messageId, agentId });
const live = { progress: 0.1, etaMs: 1000, ts: 1 };

const ev = {
  started: (m: string, a: string): ServerEvent => ({
    name: "agent_processing_started",
    payload: { ...ids(m, a), agentName: names[a] ?? a, model: "m", seq: 0, ts: 1 },
  }),
  queued: (m: string, a: string): ServerEvent => ({
    name: "agent_processing_status",
    payload: { ...ids(m, a), status: "queued", detail: "Waiting for 1 answer(s) before this one", ts: 1 },
  }),
  reasoning: (m: string, a: string, seq: number): ServerEvent => ({
    name: "agent_processing_reasoning",
    payload: { ...ids(m, a), seq, delta: "Hm.", ...live },
  }),
  tool: (m: string, a: string, seq: number, state: AgentProcessingToolEvent["state"]): ServerEvent => ({
    name: "agent_processing_tool",
    payload: {
      ...ids(m, a),
      seq,
      toolCallId: "call-1",
      toolName: "calculator",
      state,
      ...(state === "input-streaming" ? { inputDelta: '{"expression":' } : { input: { expression: "1+1" } }),
      ...(state === "output-available" ? { output: 2 } : {}),
      ...live,
    },
  }),
  update: (m: string, a: string, seq: number): ServerEvent => ({
    name: "agent_processing_update",
    payload: { ...ids(m, a), seq, delta: "Two.", textLength: 4, tokenCount: 1, ...live },
  }),
  complete: (m: string, a: string, seq: number): ServerEvent => ({
    name: "agent_processing_complete",
    payload: {
      ...ids(m, a),
      seq,
      text: "Two.",
      parts: [{ type: "text", text: "Two." }],
      finishReason: "stop",
      usage: {},
      timing: { firstTokenMs: 1, totalMs: 2 },
      ts: 2,
    },
  }),
};

const empty = () =>
  initialChatState({
    agentNames: names,
    snapshot: { conversation: { id: C, title: "t", visibility: "private", messages: [] }, inProgress: [] },
  });
const apply = (state: ChatState, ...events: ServerEvent[]) =>
  events.reduce((next, event) => chatReducer(next, { type: "server_event", event }), state);
const seen = (state: ChatState) =>
  agentActivity(state).map(({ agentId, activity, words }) => ({ agentId, activity, words }));

describe("the agents' activity", () => {
  it("follows one answer through every phase, in words, and is empty once it ends", () => {
    let state = apply(empty(), ev.started("m1", "atlas"));
    expect(seen(state)).toEqual([{ agentId: "atlas", activity: "thinking", words: "Atlas is thinking…" }]);
    state = apply(state, ev.reasoning("m1", "atlas", 1));
    expect(seen(state)[0]).toMatchObject({ activity: "reasoning", words: "Atlas is reasoning…" });
    state = apply(state, ev.tool("m1", "atlas", 2, "input-streaming"));
    expect(seen(state)[0]).toMatchObject({ activity: "tool", words: "Atlas is calling calculator…" });
    state = apply(state, ev.tool("m1", "atlas", 3, "input-available"));
    expect(seen(state)[0]).toMatchObject({ activity: "tool" });
    state = apply(state, ev.tool("m1", "atlas", 4, "output-available"));
    expect(seen(state)[0]).toMatchObject({ activity: "thinking" });
    state = apply(state, ev.update("m1", "atlas", 5));
    expect(seen(state)[0]).toMatchObject({ activity: "writing", words: "Atlas is writing…" });
    state = apply(state, ev.complete("m1", "atlas", 6));
    expect(seen(state)).toEqual([]);
  });

  it("lists every agent at work once, a queued one included, in the order of their answers", () => {
    const state = apply(
      empty(),
      ev.started("m1", "atlas"),
      ev.update("m1", "atlas", 1),
      ev.queued("m2", "quill"),
      ev.queued("m3", "atlas"),
    );
    expect(seen(state)).toEqual([
      { agentId: "atlas", activity: "writing", words: "Atlas is writing…" },
      { agentId: "quill", activity: "queued", words: "Quill is waiting for its turn" },
    ]);
    expect(agentActivity(state)[0]?.messageId).toBe("m1");
  });

  it("names a call waiting for approval", () => {
    const state = apply(empty(), ev.started("m1", "quill"), ev.tool("m1", "quill", 1, "approval-requested"));
    expect(seen(state)).toEqual([
      {
        agentId: "quill",
        activity: "waiting-approval",
        words: "Quill is waiting for approval to run calculator",
      },
    ]);
  });

  it("names the agent an ask_agent call asks, and that agent at work beside the asker", () => {
    const asking: ServerEvent = {
      name: "agent_processing_tool",
      payload: {
        ...ids("m1", "atlas"),
        seq: 1,
        toolCallId: "call-1",
        toolName: "ask_agent",
        state: "input-available",
        input: { agentId: "quill", question: "A haiku?" },
        ...live,
      },
    };
    const asked: ServerEvent = {
      name: "agent_processing_started",
      payload: {
        ...ids("q1", "quill"),
        agentName: "Quill",
        model: "m",
        seq: 0,
        ts: 1,
        parentMessageId: "m1",
        parentToolCallId: "call-1",
      },
    };
    const state = apply(empty(), ev.started("m1", "atlas"), asking, asked, ev.update("q1", "quill", 1));
    expect(seen(state)).toEqual([
      { agentId: "atlas", activity: "tool", words: "Atlas is asking Quill…" },
      { agentId: "quill", activity: "writing", words: "Quill is writing…" },
    ]);
  });

  it("is rebuilt from a join snapshot: an answer under way and one still queued", () => {
    const state = initialChatState({
      agentNames: names,
      snapshot: {
        conversation: {
          id: C,
          title: "t",
          visibility: "public",
          messages: [
            { id: "u1", role: "user", text: "Go", status: "complete", createdAt: "2026-01-01T00:00:00Z" },
            {
              id: "m1",
              role: "assistant",
              agentId: "atlas",
              text: "",
              status: "streaming",
              createdAt: "2026-01-01T00:00:00Z",
            },
            {
              id: "m2",
              role: "assistant",
              agentId: "quill",
              text: "",
              status: "queued",
              createdAt: "2026-01-01T00:00:00Z",
            },
          ],
        },
        inProgress: [
          {
            messageId: "m1",
            agentId: "atlas",
            seq: 2,
            text: "",
            parts: [
              {
                type: "tool",
                toolCallId: "c",
                toolName: "current_time",
                state: "input-available",
                input: {},
              },
            ],
          },
        ],
      },
    });
    expect(seen(state)).toEqual([
      { agentId: "atlas", activity: "tool", words: "Atlas is calling current_time…" },
      { agentId: "quill", activity: "queued", words: "Quill is waiting for its turn" },
    ]);
  });

  it("finds the messages whose answers all wait for their turn, the ones that can be taken back", () => {
    const user = (id: string): ServerEvent => ({
      name: "message_created",
      payload: {
        conversationId: C,
        message: { id, role: "user", text: id, createdAt: "2026-01-01T00:00:00Z" },
      },
    });
    let state = apply(
      empty(),
      user("u1"),
      ev.started("m1", "atlas"),
      ev.update("m1", "atlas", 1),
      user("u2"),
    );
    state = apply(state, ev.queued("m2", "atlas"), ev.queued("m3", "quill"));
    expect([...queuedMessageIds(state)]).toEqual(["u2"]);
    // Once one of its answers starts, it can no longer be taken back.
    state = apply(state, ev.complete("m1", "atlas", 2), ev.started("m2", "atlas"));
    expect([...queuedMessageIds(state)]).toEqual([]);
  });
});

describe("answers asked for by this tab", () => {
  const send = (mode: "sequential" | "parallel") => {
    let state = chatReducer(empty(), {
      type: "local_send",
      clientMessageId: "cm-1",
      text: "Both of you",
      agentIds: ["atlas", "quill"],
      ...(mode === "parallel" && { mode }),
      createdAt: "2026-01-01T00:00:00.000Z",
    });
    state = chatReducer(state, {
      type: "send_acked",
      clientMessageId: "cm-1",
      result: {
        conversationId: C,
        userMessageId: "u-1",
        runs: [
          { messageId: "a-1", agentId: "atlas" },
          { messageId: "q-1", agentId: "quill" },
        ],
      },
    });
    return agentActivity(state).map((item) => `${item.agentId}:${item.activity}`);
  };

  it("shows all but the first queued at once when they answer in turn, none when at once", () => {
    expect(send("sequential")).toEqual(["atlas:thinking", "quill:queued"]);
    expect(send("parallel")).toEqual(["atlas:thinking", "quill:thinking"]);
  });
});
