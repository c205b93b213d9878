import { describe, expect, it } from "vitest";
import { branchPositions } from "@/lib/client/branches";
import {
  type AssistantEntry,
  type ChatAction,
  type ChatState,
  chatReducer,
  initialChatState,
  promptFor,
  type ServerEvent,
  visibleEntries,
} from "@/lib/client/state";
import type { JoinConversationResult, Message, SendMessageResult } from "@/lib/protocol";

const C = "conv-1";
const names = { scout: "Scout", sage: "Sage" };
const at = (second: number) => `2026-01-01T00:00:${String(second).padStart(2, "0")}.000Z`;

const user = (id: string, parentId: string | null, second: number, text = id): Message => ({
  id,
  role: "user",
  agentId: null,
  text,
  status: "complete",
  createdAt: at(second),
  parentId,
});
const reply = (
  id: string,
  parentId: string,
  replyToId: string,
  second: number,
  agentId = "scout",
  extra: Partial<Message> = {},
): Message => ({
  id,
  role: "assistant",
  agentId,
  text: `answer ${id}`,
  status: "complete",
  createdAt: at(second),
  parentId,
  replyToId,
  ...extra,
});

/**
 * u1 → a1, then u1 edited as u2 → a2 (active), and a2 given again as a3 by sage:
 * the tree u1 → a1 | u2 → a2 | u2 → a3, with the active leaf a3.
 */
const tree = {
  messages: [user("u2", null, 3, "Edited"), reply("a3", "u2", "u2", 5, "sage")],
  otherBranches: [user("u1", null, 1, "First"), reply("a1", "u1", "u1", 2), reply("a2", "u2", "u2", 4)],
  activeLeafId: "a3",
};
const snapshotOf = (conversation: Partial<JoinConversationResult["conversation"]> = tree) => ({
  conversation: { id: C, title: "t", visibility: "private" as const, messages: [], ...conversation },
  inProgress: [],
});

const joined = (conversation?: Partial<JoinConversationResult["conversation"]>) =>
  initialChatState({ agentNames: names, snapshot: snapshotOf(conversation) });
const apply = (state: ChatState, ...actions: ChatAction[]) => actions.reduce(chatReducer, state);
const event = (name: ServerEvent["name"], payload: object): ChatAction =>
  ({ type: "server_event", event: { name, payload: { conversationId: C, ...payload } } }) as ChatAction;
const shown = (state: ChatState) => visibleEntries(state).map((entry) => entry.id ?? entry.key);
const position = (state: ChatState, key: string) => {
  const found = branchPositions(state.entries).get(key);
  return found ? `${found.index} / ${found.count}` : null;
};
const messageCreated = (id: string, parentId: string | null, second: number, text = id) =>
  event("message_created", { message: { id, role: "user", text, createdAt: at(second), parentId } });
const answerCreated = (id: string, parentId: string, replyToId: string, agentId = "scout") =>
  event("answer_created", {
    message: { id, role: "assistant", agentId, parentId, replyToId, status: "queued", createdAt: at(9) },
  });
const acked = (userMessageId: string, ...runs: [string, string][]): SendMessageResult => ({
  conversationId: C,
  userMessageId,
  runs: runs.map(([messageId, agentId]) => ({ messageId, agentId })),
});
/** This tab's edit of a stored message, as e1. */
const editOf = (messageId: string, text: string): ChatAction => ({
  type: "local_edit",
  clientMessageId: "e1",
  messageId,
  text,
  createdAt: at(10),
});
const run = (state: ChatState, id: string) =>
  state.entries.find((entry): entry is AssistantEntry => entry.kind === "assistant" && entry.id === id);

describe("a conversation's branches in the browser", () => {
  it("takes the whole tree from a snapshot and shows the active path, siblings counted in the order written", () => {
    const state = joined();
    expect(state.entries.map((entry) => entry.id)).toEqual(["u1", "a1", "u2", "a2", "a3"]);
    expect(state.activeLeafId).toBe("a3");
    expect(shown(state)).toEqual(["u2", "a3"]);
    expect(position(state, "u1")).toBe("1 / 2");
    expect(position(state, "u2")).toBe("2 / 2");
    expect(position(state, "a2")).toBe("1 / 2");
    expect(position(state, "a3")).toBe("2 / 2");
    expect(position(state, "a1")).toBeNull();
    expect(run(state, "a3")?.replyTo).toBe("u2");
  });

  it("shows the branch through a chosen sibling down to its latest leaf, and follows branch_switched", () => {
    const first = apply(joined(), { type: "branch_chosen", messageId: "u1" });
    expect(first.activeLeafId).toBe("a1");
    expect(shown(first)).toEqual(["u1", "a1"]);
    const older = apply(first, { type: "branch_chosen", messageId: "a2" });
    expect(shown(older)).toEqual(["u2", "a2"]);
    const fromElsewhere = apply(older, event("branch_switched", { activeLeafId: "a3" }));
    expect(shown(fromElsewhere)).toEqual(["u2", "a3"]);
  });

  it("places a send's question and answers as the server's events say, showing them all the while", () => {
    const sent = apply(joined(), {
      type: "local_send",
      clientMessageId: "c1",
      text: "Next",
      agentIds: ["scout", "sage"],
      createdAt: at(10),
    });
    // Not placed yet: shown after the path, whatever the leaf.
    expect(shown(sent)).toEqual(["u2", "a3", "c1"]);
    const ack = apply(sent, {
      type: "send_acked",
      clientMessageId: "c1",
      result: acked("u3", ["b1", "scout"], ["b2", "sage"]),
    });
    expect(shown(ack)).toEqual(["u2", "a3", "u3", "b1", "b2"]);
    const placed = apply(
      ack,
      messageCreated("u3", "a3", 10, "Next"),
      answerCreated("b1", "u3", "u3"),
      answerCreated("b2", "b1", "u3", "sage"),
      event("branch_switched", { activeLeafId: "b2" }),
    );
    expect(placed.entries.find((entry) => entry.id === "u3")?.parentId).toBe("a3");
    expect(run(placed, "b2")).toMatchObject({ parentId: "b1", replyTo: "c1" });
    expect(shown(placed)).toEqual(["u2", "a3", "u3", "b1", "b2"]);
    // The other branch no longer runs through here.
    expect(shown(apply(placed, { type: "branch_chosen", messageId: "u1" }))).toEqual(["u1", "a1"]);
  });

  it("creates a queued answer another tab asked for, answering its question", () => {
    const state = apply(
      joined(),
      messageCreated("u3", "a3", 10, "From the other tab"),
      answerCreated("b1", "u3", "u3"),
    );
    expect(run(state, "b1")).toMatchObject({ phase: "queued", parentId: "u3", replyTo: "u3" });
    // Written below the leaf before branch_switched came: already on the path.
    expect(shown(state)).toEqual(["u2", "a3", "u3", "b1"]);
  });

  it("shows an edit in place of the message at once, then under its id once acknowledged", () => {
    const start = apply(joined(), { type: "branch_chosen", messageId: "u1" });
    const editing = apply(start, editOf("u1", "Better words"));
    expect(editing.activeLeafId).toBe("e1");
    expect(shown(editing)).toEqual(["e1"]);
    expect(editing.entries.at(-1)).toMatchObject({
      parentId: null,
      sendState: "pending",
      text: "Better words",
    });
    expect(position(editing, "e1")).toBe("3 / 3");
    // A sibling not stored yet cannot be asked for by id.
    expect(branchPositions(editing.entries).get("u2")?.next).toBeNull();

    const stored = apply(editing, {
      type: "send_acked",
      clientMessageId: "e1",
      result: acked("u4", ["b1", "scout"]),
    });
    expect(stored.activeLeafId).toBe("u4");
    expect(shown(stored)).toEqual(["u4", "b1"]);
    const settled = apply(
      stored,
      messageCreated("u4", null, 10, "Better words"),
      answerCreated("b1", "u4", "u4"),
      event("branch_switched", { activeLeafId: "b1" }),
    );
    expect(shown(settled)).toEqual(["u4", "b1"]);
    expect(position(settled, "e1")).toBe("3 / 3");
    expect(shown(apply(settled, { type: "branch_chosen", messageId: "u1" }))).toEqual(["u1", "a1"]);
  });

  it("gives the edited message back when its edit is not taken", () => {
    const start = apply(joined(), { type: "branch_chosen", messageId: "u1" });
    const editing = apply(start, editOf("u1", "Better words"));
    const refused = apply(editing, { type: "send_withdrawn", clientMessageId: "e1" });
    expect(refused.activeLeafId).toBe("a1");
    expect(shown(refused)).toEqual(["u1", "a1"]);
    expect(refused.entries).toHaveLength(start.entries.length);
  });

  it("keeps an edit on its way in place across a snapshot", () => {
    const editing = apply(joined(), editOf("u2", "Again"));
    const rejoined = apply(editing, { type: "snapshot", snapshot: snapshotOf() });
    expect(rejoined.activeLeafId).toBe("e1");
    expect(shown(rejoined)).toEqual(["e1"]);
  });

  it("shows a regenerated answer in place of the one it replaces, whichever of ack and answer_created comes first", () => {
    const regenerated: ChatAction = {
      type: "regenerate_acked",
      messageId: "a3",
      result: acked("u2", ["a4", "scout"]),
    };
    const created = answerCreated("a4", "u2", "u2");
    for (const order of [
      [regenerated, created],
      [created, regenerated],
    ]) {
      const state = apply(joined(), ...order);
      expect(state.activeLeafId).toBe("a4");
      expect(run(state, "a4")).toMatchObject({ parentId: "u2", replyTo: "u2", agentName: "Scout" });
      expect(shown(state)).toEqual(["u2", "a4"]);
      expect(position(state, "a4")).toBe("3 / 3");
      expect(state.entries.filter((entry) => entry.id === "a4")).toHaveLength(1);
    }
  });

  it("applies the events of a run on a hidden branch, so showing it shows it as it is", () => {
    const state = apply(
      joined(),
      answerCreated("a5", "u1", "u1"),
      event("agent_processing_started", {
        messageId: "a5",
        agentId: "scout",
        agentName: "Scout",
        model: "m",
        seq: 0,
        ts: 1,
      }),
      event("agent_processing_update", {
        messageId: "a5",
        agentId: "scout",
        seq: 1,
        delta: "Hidden words",
        textLength: 12,
        tokenCount: 2,
        progress: 0.5,
        etaMs: 10,
        ts: 2,
      }),
    );
    expect(shown(state)).toEqual(["u2", "a3"]);
    expect(run(state, "a5")).toMatchObject({ text: "Hidden words", phase: "streaming" });
    const switched = apply(state, { type: "branch_chosen", messageId: "u1" });
    expect(switched.activeLeafId).toBe("a5");
    expect(shown(switched)).toEqual(["u1", "a5"]);
    expect(position(switched, "a5")).toBe("2 / 2");
  });

  it("shows a run whose events came before its place, and answers asked for inside whatever shows their asker", () => {
    const started = (messageId: string, parentMessageId?: string) =>
      event("agent_processing_started", {
        messageId,
        agentId: "scout",
        agentName: "Scout",
        model: "m",
        seq: 0,
        ts: 1,
        ...(parentMessageId && { parentMessageId, parentToolCallId: "call-1" }),
      });
    const withNested = joined({
      ...tree,
      otherBranches: [
        ...tree.otherBranches,
        reply("n1", "a1", "u1", 6, "sage", { parentId: null, parentMessageId: "a1", parentToolCallId: "c" }),
      ],
    });
    expect(shown(withNested)).toEqual(["u2", "a3"]);
    expect(shown(apply(withNested, { type: "branch_chosen", messageId: "u1" }))).toEqual(["u1", "a1", "n1"]);

    const early = apply(withNested, started("x1"), started("x2", "x1"), started("x3", "a1"));
    expect(shown(early)).toEqual(["u2", "a3", "x1", "x2"]);
  });

  it("moves what followed a removed message up to the message before it, as the server does", () => {
    const state = apply(
      joined(),
      messageCreated("u3", "a3", 10, "Queued"),
      answerCreated("b1", "u3", "u3"),
      messageCreated("u4", "b1", 11, "After it"),
      event("branch_switched", { activeLeafId: "u4" }),
    );
    expect(shown(state)).toEqual(["u2", "a3", "u3", "b1", "u4"]);
    const removed = apply(state, event("message_removed", { messageIds: ["u3", "b1"] }));
    expect(removed.entries.find((entry) => entry.id === "u4")?.parentId).toBe("a3");
    expect(shown(removed)).toEqual(["u2", "a3", "u4"]);
    const leafGone = apply(state, event("message_removed", { messageIds: ["u4"] }));
    expect(leafGone.activeLeafId).toBe("b1");
    expect(shown(leafGone)).toEqual(["u2", "a3", "u3", "b1"]);
  });

  it("finds an answer's question on its own branch when it has no recorded one", () => {
    const state = joined();
    const detached = { ...(run(state, "a3") as AssistantEntry), replyTo: null };
    const entries = state.entries.map((entry) => (entry.id === "a3" ? detached : entry));
    expect(promptFor({ ...state, entries }, detached)?.text).toBe("Edited");
  });

  it("shows everything when the server says nothing of branches", () => {
    const state = joined({
      messages: [
        { ...user("u1", null, 1), parentId: undefined },
        { ...reply("a1", "u1", "u1", 2), parentId: undefined },
      ],
    });
    expect(state.activeLeafId).toBeUndefined();
    expect(shown(state)).toEqual(["u1", "a1"]);
    expect(branchPositions(state.entries).size).toBe(0);
  });
});
