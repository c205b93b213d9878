import { describe, expect, it } from "vitest";
import { ConversationSync } from "@/lib/client/conversation-sync";
import {
  type AssistantEntry,
  activeRuns,
  type ChatAction,
  type ChatState,
  chatReducer,
  displayStatus,
  initialChatState,
  promptFor,
  type ServerEvent,
} from "@/lib/client/state";
import type { JoinConversationResult, Message, MessagePart } from "@/lib/protocol";

const C = "conv-1";
const names = { scout: "Scout", sage: "Sage" };

const started = (messageId: string, agentId = "scout"): ServerEvent => ({
  name: "agent_processing_started",
  payload: {
    conversationId: C,
    messageId,
    agentId,
    agentName: names[agentId as "scout"],
    model: "m",
    seq: 0,
    ts: 1,
  },
});
const update = (
  messageId: string,
  seq: number,
  delta: string,
  progress = seq / 10,
  textLength = 0,
): ServerEvent => ({
  name: "agent_processing_update",
  payload: {
    conversationId: C,
    messageId,
    agentId: "scout",
    seq,
    delta,
    textLength,
    tokenCount: seq,
    progress,
    etaMs: 1000,
    ts: 10 + seq,
  },
});
const textParts = (text: string): MessagePart[] => (text ? [{ type: "text", text }] : []);
const reasoning = (messageId: string, seq: number, delta: string, ts = 10 + seq): ServerEvent => ({
  name: "agent_processing_reasoning",
  payload: { conversationId: C, messageId, agentId: "scout", seq, delta, ts },
});
const complete = (
  messageId: string,
  seq: number,
  text: string,
  parts: MessagePart[] = textParts(text),
): ServerEvent => ({
  name: "agent_processing_complete",
  payload: {
    conversationId: C,
    messageId,
    agentId: "scout",
    seq,
    text,
    parts,
    finishReason: "stop",
    usage: { outputTokens: 3 },
    timing: { firstTokenMs: 5, totalMs: 50 },
    ts: 100,
  },
});
const failure = (messageId: string, seq: number, partialText: string): ServerEvent => ({
  name: "agent_processing_error",
  payload: {
    conversationId: C,
    messageId,
    agentId: "scout",
    seq,
    error: { code: "stalled", message: "The model stopped answering", retryable: true },
    partialText,
    parts: textParts(partialText),
    ts: 100,
  },
});

const stored = (id: string, role: Message["role"], text: string, status: Message["status"]): Message => ({
  id,
  role,
  agentId: role === "assistant" ? "scout" : null,
  text,
  status,
  createdAt: "2025-01-01T00:00:00.000Z",
});
const snapshotOf = (messages: Message[], inProgress: JoinConversationResult["inProgress"] = []) => ({
  conversation: { id: C, title: "t", visibility: "private" as const, messages },
  inProgress,
});

function run(actions: ChatAction[], start?: ChatState): ChatState {
  const initial = start ?? initialChatState({ agentNames: names, snapshot: snapshotOf([]) });
  return actions.reduce(chatReducer, initial);
}
const events = (...list: ServerEvent[]): ChatAction[] =>
  list.map((event) => ({ type: "server_event", event }));
const answer = (state: ChatState, id: string) =>
  state.entries.find((entry): entry is AssistantEntry => entry.kind === "assistant" && entry.id === id);

/** A ConversationSync feeding the reducer, and the state it has built so far. */
function synced(start: ChatState) {
  const view = { state: start };
  const sync = new ConversationSync((action) => {
    view.state = chatReducer(view.state, action);
  });
  return { sync, view };
}

describe("chat client state", () => {
  it("applies updates that arrive out of order in seq order", () => {
    const state = run(
      events(started("a"), update("a", 2, " world"), update("a", 3, "!"), update("a", 1, "Hello")),
    );
    expect(answer(state, "a")?.text).toBe("Hello world!");
    expect(answer(state, "a")?.seq).toBe(3);
    expect(answer(state, "a")?.pending).toEqual({});
  });

  it("holds an update after a gap until the gap fills", () => {
    const state = run(events(started("a"), update("a", 1, "A"), update("a", 3, "C")));
    expect(answer(state, "a")?.text).toBe("A");
    expect(run(events(update("a", 2, "B")), state).entries.at(-1)).toMatchObject({ text: "ABC", seq: 3 });
  });

  it("drops duplicate updates", () => {
    const state = run(
      events(
        started("a"),
        update("a", 1, "A"),
        update("a", 1, "A"),
        update("a", 2, "B"),
        update("a", 1, "A"),
      ),
    );
    expect(answer(state, "a")?.text).toBe("AB");
    const held = run(events(started("b"), update("b", 3, "C"), update("b", 3, "C"), update("b", 1, "A")));
    expect(run(events(update("b", 2, "B")), held).entries.at(-1)).toMatchObject({ text: "ABC" });
  });

  it("shows thinking until the first token, then streaming", () => {
    const thinking = run(events(started("a")));
    expect(displayStatus((answer(thinking, "a") as AssistantEntry).phase)).toBe("thinking");
    const streaming = run(events(update("a", 1, "Hi")), thinking);
    expect(displayStatus((answer(streaming, "a") as AssistantEntry).phase)).toBe("streaming");
  });

  it("replaces the streamed text with the final text on completion", () => {
    const state = run(events(started("a"), update("a", 1, "Helo"), complete("a", 3, "Hello, final")));
    expect(answer(state, "a")).toMatchObject({
      phase: "complete",
      text: "Hello, final",
      progress: 1,
      etaMs: null,
    });
    // A late update after the terminal event changes nothing.
    expect(run(events(update("a", 2, "XX")), state)).toBe(state);
  });

  it("keeps the partial text when a run fails", () => {
    const state = run(
      events(started("a"), update("a", 1, "Part"), update("a", 2, "ial"), failure("a", 3, "")),
    );
    expect(answer(state, "a")).toMatchObject({ phase: "error", text: "Partial", retryable: true });
    expect(answer(state, "a")?.error?.message).toBe("The model stopped answering");
    const withServerText = run(events(started("b"), update("b", 1, "Par"), failure("b", 3, "Partial")));
    expect(answer(withServerText, "b")?.text).toBe("Partial");
  });

  it("never lets progress go backwards", () => {
    const state = run(events(started("a"), update("a", 1, "A", 0.5), update("a", 2, "B", 0.3)));
    expect(answer(state, "a")?.progress).toBe(0.5);
    expect(run(events(update("a", 3, "C", 0.7)), state).entries.at(-1)).toMatchObject({ progress: 0.7 });
  });

  it("replays events held during a join after the snapshot, without gaps or doubles", () => {
    const { sync, view } = synced(initialChatState({ agentNames: names }));
    sync.beginJoin();
    // Updates 2..4 arrive before the ack; the snapshot was taken at seq 3.
    sync.receive(update("a", 2, "B"));
    sync.receive(update("a", 3, "C"));
    sync.receive(update("a", 4, "D"));
    expect(view.state.entries).toHaveLength(0);
    sync.joined(
      snapshotOf(
        [stored("u1", "user", "Hi", "complete"), stored("a", "assistant", "", "streaming")],
        [{ messageId: "a", agentId: "scout", seq: 3, text: "ABC", parts: textParts("ABC") }],
      ),
    );
    expect(answer(view.state, "a")).toMatchObject({ text: "ABCD", seq: 4, phase: "streaming" });
    sync.receive(update("a", 5, "E"));
    sync.receive(complete("a", 6, "ABCDE"));
    expect(answer(view.state, "a")).toMatchObject({ text: "ABCDE", phase: "complete" });
    expect(view.state.entries.map((entry) => entry.kind)).toEqual(["user", "assistant"]);
  });

  it("resumes a stored streaming answer without a seq only where its text provably ends", () => {
    const state = run([
      { type: "snapshot", snapshot: snapshotOf([stored("a", "assistant", "AB", "streaming")]) },
    ]);
    expect(answer(state, "a")?.seq).toBeNull();
    const misfit = run(events(update("a", 2, "B", 0.2, 2)), state);
    expect(answer(misfit, "a")?.text).toBe("AB");
    const fit = run(events(update("a", 3, "C", 0.3, 3), update("a", 4, "D", 0.4, 4)), misfit);
    expect(answer(fit, "a")).toMatchObject({ text: "ABCD", seq: 4 });
  });

  it("reconciles an optimistic message with the ack and the later message_created", () => {
    const sent = run([
      {
        type: "local_send",
        clientMessageId: "c1",
        text: "Hello",
        agentIds: ["scout", "sage"],
        createdAt: "now",
      },
      {
        type: "send_acked",
        clientMessageId: "c1",
        result: {
          conversationId: C,
          userMessageId: "u1",
          runs: [
            { messageId: "a", agentId: "scout" },
            { messageId: "b", agentId: "sage" },
          ],
        },
      },
      ...events({
        name: "message_created",
        payload: { conversationId: C, message: { id: "u1", role: "user", text: "Hello", createdAt: "t" } },
      }),
    ]);
    expect(sent.entries.map((entry) => [entry.kind, entry.key])).toEqual([
      ["user", "c1"],
      ["assistant", "a"],
      ["assistant", "b"],
    ]);
    expect(sent.entries[0]).toMatchObject({ id: "u1", sendState: "sent" });
    expect(answer(sent, "b")?.agentName).toBe("Sage");
  });

  it("starts a new conversation from the first ack and ignores other conversations' events", () => {
    const state = run(
      [
        { type: "local_send", clientMessageId: "c1", text: "Hi", agentIds: null, createdAt: "now" },
        ...events(started("x")),
        {
          type: "send_acked",
          clientMessageId: "c1",
          result: { conversationId: C, userMessageId: "u1", runs: [{ messageId: "a", agentId: "scout" }] },
        },
        ...events({
          ...started("z"),
          payload: { ...started("z").payload, conversationId: "other" },
        } as ServerEvent),
      ],
      initialChatState({ agentNames: names }),
    );
    expect(state.conversationId).toBe(C);
    expect(state.entries.map((entry) => entry.key)).toEqual(["c1", "a"]);
  });

  it("keeps several agents' answers apart and in the order the ack gave", () => {
    const acked = run([
      { type: "local_send", clientMessageId: "c1", text: "Hi", agentIds: null, createdAt: "now" },
      {
        type: "send_acked",
        clientMessageId: "c1",
        result: {
          conversationId: C,
          userMessageId: "u1",
          runs: [
            { messageId: "a", agentId: "scout" },
            { messageId: "b", agentId: "sage" },
          ],
        },
      },
    ]);
    const queued: ServerEvent = {
      name: "agent_processing_status",
      payload: {
        conversationId: C,
        messageId: "b",
        agentId: "sage",
        status: "queued",
        detail: "Waiting",
        ts: 1,
      },
    };
    const bUpdate = update("b", 1, "Second");
    const state = run(
      events(queued, started("a"), update("a", 1, "First"), complete("a", 2, "First"), started("b", "sage"), {
        ...bUpdate,
        payload: { ...bUpdate.payload, agentId: "sage" },
      } as ServerEvent),
      acked,
    );
    expect(state.entries.map((entry) => entry.key)).toEqual(["c1", "a", "b"]);
    expect(answer(state, "a")).toMatchObject({ phase: "complete", text: "First" });
    expect(answer(state, "b")).toMatchObject({ phase: "streaming", text: "Second", agentName: "Sage" });
    expect(activeRuns(state).map((entry) => entry.id)).toEqual(["b"]);
    expect(promptFor(state, answer(state, "b") as AssistantEntry)?.text).toBe("Hi");
  });

  it("marks a failed send and lets it be retried", () => {
    const failed = run([
      { type: "local_send", clientMessageId: "c1", text: "Hi", agentIds: null, createdAt: "now" },
      { type: "send_failed", clientMessageId: "c1", error: { code: "timeout", message: "No answer" } },
    ]);
    expect(failed.entries[0]).toMatchObject({ sendState: "failed", sendError: { code: "timeout" } });
    expect(run([{ type: "send_retried", clientMessageId: "c1" }], failed).entries[0]).toMatchObject({
      sendState: "pending",
      sendError: null,
    });
  });

  it("shows interrupted history as an error and queued runs as thinking", () => {
    const state = run([
      {
        type: "snapshot",
        snapshot: snapshotOf([
          stored("a", "assistant", "half", "interrupted"),
          stored("b", "assistant", "", "queued"),
        ]),
      },
    ]);
    expect(displayStatus((answer(state, "a") as AssistantEntry).phase)).toBe("error");
    expect(displayStatus((answer(state, "b") as AssistantEntry).phase)).toBe("thinking");
    expect(run(events(update("b", 1, "x")), state).entries.at(-1)).toMatchObject({ text: "x" });
  });

  it("shows a run the server announces as interrupted the way the stored history will", () => {
    const interrupted: ServerEvent = {
      name: "agent_processing_error",
      payload: {
        conversationId: C,
        messageId: "a",
        agentId: "scout",
        seq: 3,
        error: { code: "interrupted", message: "The server stopped", retryable: true },
        partialText: "Half",
        parts: textParts("Half"),
        ts: 100,
      },
    };
    const state = run(events(started("a"), update("a", 1, "Ha"), update("a", 2, "lf"), interrupted));
    expect(answer(state, "a")).toMatchObject({ phase: "interrupted", text: "Half", retryable: true });
    expect(displayStatus((answer(state, "a") as AssistantEntry).phase)).toBe("error");
  });

  it("offers no retry for a stored error that asking again cannot fix", () => {
    const withError = (id: string, code: string): Message => ({
      ...stored(id, "assistant", "", "error"),
      error: { code, message: code },
    });
    const state = run([
      {
        type: "snapshot",
        snapshot: snapshotOf([withError("a", "model_not_found"), withError("b", "stalled")]),
      },
    ]);
    expect(answer(state, "a")?.retryable).toBe(false);
    expect(answer(state, "b")?.retryable).toBe(true);
  });

  it("keeps one user bubble when message_created arrives before the send ack", () => {
    const state = run([
      { type: "local_send", clientMessageId: "c1", text: "Hi", agentIds: null, createdAt: "now" },
      ...events({
        name: "message_created",
        payload: { conversationId: C, message: { id: "u1", role: "user", text: "Hi", createdAt: "t" } },
      }),
      {
        type: "send_acked",
        clientMessageId: "c1",
        result: { conversationId: C, userMessageId: "u1", runs: [{ messageId: "a", agentId: "scout" }] },
      },
    ]);
    expect(
      state.entries.map((entry) => [entry.kind, entry.kind === "user" ? entry.id : entry.replyTo]),
    ).toEqual([
      ["user", "u1"],
      ["assistant", "u1"],
    ]);
  });

  it("keeps sends still in flight when a snapshot replaces the history", () => {
    const state = run([
      { type: "local_send", clientMessageId: "c1", text: "Still sending", agentIds: null, createdAt: "now" },
      { type: "snapshot", snapshot: snapshotOf([stored("u0", "user", "Earlier", "complete")]) },
    ]);
    expect(state.entries.map((entry) => entry.key)).toEqual(["u0", "c1"]);
  });

  it("keeps reasoning apart from the answer, in parts of the order they came in", () => {
    const thinking = run(events(started("a"), reasoning("a", 1, "Let me "), reasoning("a", 2, "see.")));
    expect(answer(thinking, "a")).toMatchObject({
      phase: "streaming",
      text: "",
      parts: [{ type: "reasoning", text: "Let me see." }],
      partTimes: { 0: { startedAt: 11, endedAt: null } },
    });
    expect(displayStatus((answer(thinking, "a") as AssistantEntry).phase)).toBe("streaming");
    const answering = run(events(update("a", 3, "Hi"), update("a", 4, "!")), thinking);
    expect(answer(answering, "a")).toMatchObject({
      text: "Hi!",
      seq: 4,
      parts: [
        { type: "reasoning", text: "Let me see." },
        { type: "text", text: "Hi!" },
      ],
      // The reasoning ended when the answer began.
      partTimes: { 0: { startedAt: 11, endedAt: 13 } },
    });
  });

  it("moves the progress bar while the model reasons, never backwards", () => {
    const withProgress = (seq: number, progress: number, etaMs: number): ServerEvent => {
      const event = reasoning("a", seq, "…");
      return { ...event, payload: { ...event.payload, progress, etaMs } } as ServerEvent;
    };
    const reasoned = run(events(started("a"), withProgress(1, 0.1, 9_000), withProgress(2, 0.2, 8_000)));
    expect(answer(reasoned, "a")).toMatchObject({ progress: 0.2, etaMs: 8_000 });
    const lower = run(events(withProgress(3, 0.15, 8_500)), reasoned);
    expect(answer(lower, "a")).toMatchObject({ progress: 0.2 });
    const plain = run(events(reasoning("a", 4, "no estimate")), lower);
    expect(answer(plain, "a")).toMatchObject({ progress: 0.2, etaMs: 8_500 });
  });

  it("holds reasoning after a gap until the gap fills, across updates and reasoning alike", () => {
    const held = run(
      events(started("a"), reasoning("a", 1, "A"), update("a", 4, "x"), reasoning("a", 3, "C")),
    );
    expect(answer(held, "a")).toMatchObject({ seq: 1, text: "", parts: [{ type: "reasoning", text: "A" }] });
    const filled = run(events(reasoning("a", 2, "B")), held);
    expect(answer(filled, "a")).toMatchObject({
      seq: 4,
      text: "x",
      pending: {},
      parts: [
        { type: "reasoning", text: "ABC" },
        { type: "text", text: "x" },
      ],
    });
  });

  it("drops reasoning it has already applied or is already holding", () => {
    const state = run(
      events(
        started("a"),
        reasoning("a", 1, "A"),
        reasoning("a", 1, "A"),
        reasoning("a", 3, "C"),
        reasoning("a", 3, "C"),
        reasoning("a", 2, "B"),
        reasoning("a", 2, "B"),
        reasoning("a", 1, "A"),
      ),
    );
    expect(answer(state, "a")).toMatchObject({ seq: 3, parts: [{ type: "reasoning", text: "ABC" }] });
    // Reasoning after the end changes nothing.
    const done = run(events(complete("a", 4, "", [{ type: "reasoning", text: "ABC" }])), state);
    expect(run(events(reasoning("a", 5, "late")), done)).toBe(done);
  });

  it("rebuilds exactly the completed parts after joining mid-reasoning", () => {
    const { sync, view } = synced(initialChatState({ agentNames: names }));
    sync.beginJoin();
    // Reasoning 2..3 arrive before the ack; the snapshot was taken at seq 2.
    sync.receive(reasoning("a", 2, "ought"));
    sync.receive(reasoning("a", 3, " hard"));
    sync.joined(
      snapshotOf(
        [stored("u1", "user", "Hi", "complete"), stored("a", "assistant", "", "streaming")],
        [
          {
            messageId: "a",
            agentId: "scout",
            seq: 2,
            text: "",
            parts: [{ type: "reasoning", text: "Thought" }],
          },
        ],
      ),
    );
    expect(answer(view.state, "a")).toMatchObject({
      phase: "streaming",
      seq: 3,
      parts: [{ type: "reasoning", text: "Thought hard" }],
    });
    sync.receive(update("a", 5, "lo"));
    sync.receive(update("a", 4, "Hel"));
    sync.receive(reasoning("a", 3, " hard"));
    const parts: MessagePart[] = [
      { type: "reasoning", text: "Thought hard" },
      { type: "text", text: "Hello" },
    ];
    expect(answer(view.state, "a")).toMatchObject({ text: "Hello", seq: 5, parts });
    sync.receive(complete("a", 6, "Hello", parts));
    expect(answer(view.state, "a")?.parts).toEqual(parts);
    expect(answer(view.state, "a")?.text).toBe("Hello");
  });

  it("takes the terminal event's parts and stored parts as they are", () => {
    const final: MessagePart[] = [
      { type: "reasoning", text: "Full reasoning" },
      { type: "text", text: "Answer" },
    ];
    const completed = run(events(started("a"), reasoning("a", 1, "Full"), complete("a", 9, "Answer", final)));
    expect(answer(completed, "a")).toMatchObject({
      phase: "complete",
      text: "Answer",
      parts: final,
      partTimes: { 0: { startedAt: 11, endedAt: 100 } },
    });
    const failed = run(events(started("b"), reasoning("b", 1, "Hm"), failure("b", 2, "")));
    expect(answer(failed, "b")).toMatchObject({ phase: "error", parts: [] });
    const history = run([
      {
        type: "snapshot",
        snapshot: snapshotOf([
          { ...stored("c", "assistant", "Answer", "complete"), parts: final },
          stored("d", "assistant", "Older", "complete"),
        ]),
      },
    ]);
    expect(answer(history, "c")?.parts).toEqual(final);
    expect(answer(history, "d")?.parts).toEqual([{ type: "text", text: "Older" }]);
  });

  it("releases events held for a join that failed", () => {
    const { sync, view } = synced(initialChatState({ agentNames: names, snapshot: snapshotOf([]) }));
    sync.beginJoin();
    sync.receive(started("a"));
    expect(sync.joining).toBe(true);
    expect(view.state.entries).toHaveLength(0);
    sync.failed();
    expect(sync.joining).toBe(false);
    expect(answer(view.state, "a")?.phase).toBe("thinking");
  });

  it("holds events across a join cut off by a disconnection until the next join's snapshot", () => {
    const { sync, view } = synced(initialChatState({ agentNames: names, snapshot: snapshotOf([]) }));
    sync.receive(started("a"));
    // Updates 1..2 were missed; the join meant to fill them is cut off.
    sync.beginJoin();
    sync.receive(update("a", 3, "C"));
    sync.lost();
    expect(sync.joining).toBe(true);
    sync.receive(complete("a", 4, "ABCD"));
    expect(answer(view.state, "a")).toMatchObject({ phase: "thinking", text: "" });
    // The reconnection's join brings the stored answer first; the held events add nothing twice.
    sync.beginJoin();
    sync.joined(
      snapshotOf([stored("u1", "user", "Hi", "complete"), stored("a", "assistant", "ABCD", "complete")]),
    );
    expect(sync.joining).toBe(false);
    expect(answer(view.state, "a")).toMatchObject({ phase: "complete", text: "ABCD" });
    expect(view.state.entries.map((entry) => entry.kind)).toEqual(["user", "assistant"]);
  });
});
