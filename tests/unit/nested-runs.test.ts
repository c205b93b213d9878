import { describe, expect, it } from "vitest";
import { callKey, splitNested } from "@/lib/client/nested";
import { chatReducer, initialChatState, type ServerEvent } from "@/lib/client/state";

const C = "conv-1";
const names: Record<string, string> = { atlas: "Atlas", quill: "Quill", sage: "Sage" };

const started = (
  messageId: string,
  agentId: string,
  parent?: { parentMessageId: string; parentToolCallId: string },
): ServerEvent => ({
  name: "agent_processing_started",
  payload: {
    conversationId: C,
    messageId,
    agentId,
    agentName: names[agentId] ?? agentId,
    model: "m",
    seq: 0,
    ts: 1,
    ...parent,
  },
});

const stateAfter = (...events: ServerEvent[]) =>
  events.reduce(
    (state, event) => chatReducer(state, { type: "server_event", event }),
    initialChatState({
      agentNames: names,
      snapshot: { conversation: { id: C, title: "t", visibility: "private", messages: [] }, inProgress: [] },
    }),
  );

const ids = (entries: readonly { id: string | null }[]) => entries.map((entry) => entry.id);

describe("answers other agents asked for", () => {
  it("leave the list and are grouped by the asking answer and call, in order", () => {
    const state = stateAfter(
      started("a1", "atlas"),
      started("q1", "quill", { parentMessageId: "a1", parentToolCallId: "call-1" }),
      started("s1", "sage", { parentMessageId: "a1", parentToolCallId: "call-2" }),
      started("q2", "quill", { parentMessageId: "a1", parentToolCallId: "call-1" }),
      started("a2", "atlas"),
    );
    const { top, nested } = splitNested(state.entries);
    expect(ids(top)).toEqual(["a1", "a2"]);
    expect(ids(nested.get(callKey("a1", "call-1")) ?? [])).toEqual(["q1", "q2"]);
    expect(ids(nested.get(callKey("a1", "call-2")) ?? [])).toEqual(["s1"]);
    expect(nested.size).toBe(2);
  });

  it("nest under an answer that was itself asked for", () => {
    const state = stateAfter(
      started("a1", "atlas"),
      started("q1", "quill", { parentMessageId: "a1", parentToolCallId: "call-1" }),
      started("s1", "sage", { parentMessageId: "q1", parentToolCallId: "call-9" }),
    );
    const { top, nested } = splitNested(state.entries);
    expect(ids(top)).toEqual(["a1"]);
    expect(ids(nested.get(callKey("q1", "call-9")) ?? [])).toEqual(["s1"]);
  });

  it("stay in the list when their asker is not in it", () => {
    const state = stateAfter(started("q1", "quill", { parentMessageId: "gone", parentToolCallId: "call-1" }));
    const { top, nested } = splitNested(state.entries);
    expect(ids(top)).toEqual(["q1"]);
    expect(nested.size).toBe(0);
  });
});
