import { describe, expect, it } from "vitest";
import { ConversationSync } from "@/lib/client/conversation-sync";
import {
  type ChatAction,
  type ChatState,
  chatReducer,
  initialChatState,
  type ServerEvent,
} from "@/lib/client/state";
import type { JoinConversationResult, UnavailableReason } from "@/lib/protocol";

const C = "conv-1";

const snapshot = (text: string): JoinConversationResult => ({
  conversation: {
    id: C,
    title: "t",
    visibility: "public",
    messages: [
      {
        id: "u1",
        role: "user",
        agentId: null,
        text,
        status: "complete",
        createdAt: "2025-01-01T00:00:00.000Z",
      },
    ],
  },
  inProgress: [],
});
const started = (messageId: string, conversationId = C): ServerEvent => ({
  name: "agent_processing_started",
  payload: { conversationId, messageId, agentId: "scout", agentName: "Scout", model: "m", seq: 0, ts: 1 },
});
const unavailable = (reason: UnavailableReason, conversationId = C): ServerEvent => ({
  name: "conversation_unavailable",
  payload: { conversationId, reason },
});
const event = (e: ServerEvent): ChatAction => ({ type: "server_event", event: e });

const opened = () => initialChatState({ agentNames: { scout: "Scout" }, snapshot: snapshot("Hi") });
const run = (actions: ChatAction[], start: ChatState = opened()) => actions.reduce(chatReducer, start);

describe("chat client state when the conversation becomes unavailable", () => {
  it("clears what was shown and records why, for a share link turned off or a deletion", () => {
    for (const reason of ["private", "deleted"] as const) {
      const state = run([event(started("a")), event(unavailable(reason))]);
      expect(state.unavailable).toBe(reason);
      expect(state.entries).toEqual([]);
    }
  });

  it("applies nothing of the conversation afterwards: neither room events nor a snapshot", () => {
    const state = run([
      event(unavailable("private")),
      event(started("late")),
      { type: "snapshot", snapshot: snapshot("Again") },
    ]);
    expect(state).toMatchObject({ unavailable: "private", entries: [] });
  });

  it("ignores the notice of another conversation", () => {
    const state = run([event(unavailable("deleted", "other")), event(started("a"))]);
    expect(state.unavailable).toBeNull();
    expect(state.entries.map((entry) => entry.key)).toEqual(["u1", "a"]);
  });

  it("applies a notice that arrived during a join after that join's snapshot", () => {
    const view = { state: initialChatState({ agentNames: {} }) };
    const sync = new ConversationSync((action) => {
      view.state = chatReducer(view.state, action);
    });
    sync.beginJoin();
    sync.receive(unavailable("private"));
    sync.joined(snapshot("Hi"));
    expect(view.state).toMatchObject({ conversationId: C, unavailable: "private", entries: [] });
  });
});
