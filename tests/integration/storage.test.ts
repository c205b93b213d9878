import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "@/lib/db/queries";
import type { MessagePart } from "@/lib/protocol";
import { storeBackends } from "../helpers/backends";

describe.each(storeBackends)("storage on $name", (backend) => {
  let store: Store;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ store, close } = await backend.open());
  });
  afterAll(() => close());

  async function conversationWithMessage(clientMessageId: string, ownerNode = "node-default") {
    const ownerId = `u_${clientMessageId}`;
    const conversation = await store.createConversation({
      id: `c_${clientMessageId}`,
      ownerId,
      title: "Test",
      agentIds: ["atlas"],
    });
    const [stored] = await store.storeSends([
      {
        userMessage: {
          id: `m_${clientMessageId}`,
          conversationId: conversation.id,
          role: "user",
          authorId: ownerId,
          clientMessageId,
          text: "Hello",
          status: "complete",
        },
        runs: ["atlas", "quill"].map((agentId) => ({
          id: `r_${clientMessageId}_${agentId}`,
          conversationId: conversation.id,
          role: "assistant" as const,
          replyToId: `m_${clientMessageId}`,
          agentId,
          status: "queued" as const,
          ownerNode,
        })),
      },
    ]);
    if (stored instanceof Error) throw stored;
    return { conversation, ownerId, stored };
  }

  it("stores the user's message and its runs in order, before any answer", async () => {
    const { conversation, stored } = await conversationWithMessage("order");
    expect(stored?.runs.map((run) => run.agentId)).toEqual(["atlas", "quill"]);
    const messages = await store.listMessagesByConversationId({ conversationId: conversation.id });
    expect(messages.map((m) => [m.role, m.status, m.text])).toEqual([
      ["user", "complete", "Hello"],
      ["assistant", "queued", ""],
      ["assistant", "queued", ""],
    ]);
  });

  it("refuses a second message with the same clientMessageId from the same author", async () => {
    const { conversation, ownerId } = await conversationWithMessage("dup");
    const [again] = await store.storeSends([
      {
        userMessage: {
          id: "m_dup_2",
          conversationId: conversation.id,
          role: "user",
          authorId: ownerId,
          clientMessageId: "dup",
          text: "Hello",
          status: "complete",
        },
        runs: [{ id: "r_dup_2", conversationId: conversation.id, role: "assistant", status: "queued" }],
      },
    ]);
    expect(again).toBeNull();
    expect(await store.getMessageById({ id: "r_dup_2" })).toBeUndefined();
    const original = await store.getMessageByClientMessageId({ authorId: ownerId, clientMessageId: "dup" });
    expect(original?.id).toBe("m_dup");
  });

  it("stores a finished answer with its usage and timings, and a failed one with its partial text", async () => {
    await conversationWithMessage("finish");
    await store.markRunStreamingById({ id: "r_finish_atlas", model: "fake-model" });
    await store.finishRunById({
      id: "r_finish_atlas",
      text: "Full answer",
      status: "complete",
      finishReason: "stop",
      usage: { inputTokens: 3, outputTokens: 2 },
      firstTokenMs: 120,
      totalMs: 900,
    });
    await store.finishRunById({
      id: "r_finish_quill",
      text: "Partial",
      status: "error",
      error: { code: "connection_lost", message: "dropped" },
      totalMs: 50,
    });
    const done = await store.getMessageById({ id: "r_finish_atlas" });
    expect(done).toMatchObject({
      text: "Full answer",
      status: "complete",
      model: "fake-model",
      firstTokenMs: 120,
    });
    expect(done?.usage).toEqual({ inputTokens: 3, outputTokens: 2 });
    const failed = await store.getMessageById({ id: "r_finish_quill" });
    expect(failed).toMatchObject({ text: "Partial", status: "error", error: { code: "connection_lost" } });
  });

  it("lists each agent's latest complete answers, oldest first, for the progress estimates", async () => {
    for (const [index, length] of [10, 20, 30].entries()) {
      await conversationWithMessage(`recent${index}`);
      await store.finishRunById({
        id: `r_recent${index}_atlas`,
        text: "x".repeat(length),
        status: "complete",
        finishReason: "stop",
        firstTokenMs: 100,
        totalMs: 100 + length,
      });
      await store.finishRunById({ id: `r_recent${index}_quill`, text: "no", status: "error", totalMs: 5 });
    }
    const recent = await store.listRecentAnswersPerAgent({ perAgent: 2 });
    const atlas = recent.filter((answer) => answer.agentId === "atlas");
    expect(atlas.map(({ length, firstTokenMs, totalMs }) => [length, firstTokenMs, totalMs])).toEqual([
      [20, 100, 120],
      [30, 100, 130],
    ]);
    // Failed answers say nothing about how long answers are.
    expect(recent.some((answer) => answer.agentId === "quill" && answer.length === 2)).toBe(false);
  });

  it("stores an answer's parts without NUL, and counts its reasoning in the lengths it lists", async () => {
    await conversationWithMessage("parts");
    const id = "r_parts_atlas";
    await store.markRunStreamingById({ id, model: "m" });
    const thought = { type: "reasoning" as const, text: "Think\u0000ing" };
    expect(await store.checkpointRuns([{ id, text: "", parts: [thought], seq: 1 }])).toEqual([id]);
    expect((await store.getMessageById({ id }))?.parts).toEqual([{ type: "reasoning", text: "Thinking" }]);
    await store.finishRunById({
      id,
      text: "Yes",
      parts: [thought, { type: "text", text: "Yes" }],
      status: "complete",
      finishReason: "stop",
      firstTokenMs: 10,
      totalMs: 20,
    });
    expect((await store.getMessageById({ id }))?.parts).toEqual([
      { type: "reasoning", text: "Thinking" },
      { type: "text", text: "Yes" },
    ]);
    const [latest] = await store
      .listRecentAnswersPerAgent({ perAgent: 1 })
      .then((all) => all.filter((answer) => answer.agentId === "atlas"));
    expect(latest?.length).toBe("Thinking".length + "Yes".length);
  });

  it("on a single node, marks every run a stopped process left unfinished as interrupted", async () => {
    await conversationWithMessage("crash");
    await store.markRunStreamingById({ id: "r_crash_atlas", model: "m" });
    const interrupted = await store.markUnfinishedRunsInterrupted();
    expect(interrupted.map((run) => run.id)).toEqual(
      expect.arrayContaining(["r_crash_atlas", "r_crash_quill"]),
    );
    expect((await store.getMessageById({ id: "r_crash_atlas" }))?.status).toBe("interrupted");
    expect((await store.getMessageById({ id: "r_crash_quill" }))?.status).toBe("interrupted");
  });

  it("stores checkpoints only moving forward and never over a finished answer", async () => {
    await conversationWithMessage("checkpoint");
    const id = "r_checkpoint_atlas";
    await store.markRunStreamingById({ id, model: "m" });
    expect(
      await store.checkpointRuns([
        { id, text: "One two", parts: [{ type: "text", text: "One two" }], seq: 2 },
      ]),
    ).toEqual([id]);
    expect(
      await store.checkpointRuns([{ id, text: "One", parts: [{ type: "text", text: "One" }], seq: 1 }]),
    ).toEqual([]);
    expect(await store.getMessageById({ id })).toMatchObject({
      text: "One two",
      seq: 2,
      status: "streaming",
    });
    expect((await store.getMessageById({ id }))?.heartbeatAt).toBeInstanceOf(Date);

    await store.finishRunById({ id, text: "One two three", status: "complete", finishReason: "stop" });
    expect(
      await store.checkpointRuns([
        { id, text: "One two thr", parts: [{ type: "text", text: "One two thr" }], seq: 3 },
      ]),
    ).toEqual([]);
    expect(await store.getMessageById({ id })).toMatchObject({ text: "One two three", status: "complete" });
  });

  it("marks, lists and finishes many runs in one statement each, every one as if alone", async () => {
    const { conversation: first } = await conversationWithMessage("many1");
    const { conversation: second } = await conversationWithMessage("many2");
    await store.markRunsStreaming([
      { id: "r_many1_atlas", model: "m1" },
      { id: "r_many2_quill", model: "m2" },
    ]);
    const lists = await store.listMessagesByConversationIds([second.id, "c_none", first.id]);
    expect(lists.map((list) => list.map((m) => [m.id, m.status, m.model]))).toEqual([
      [
        ["m_many2", "complete", null],
        ["r_many2_atlas", "queued", null],
        ["r_many2_quill", "streaming", "m2"],
      ],
      [],
      [
        ["m_many1", "complete", null],
        ["r_many1_atlas", "streaming", "m1"],
        ["r_many1_quill", "queued", null],
      ],
    ]);
    const finished = await store.finishRuns([
      {
        id: "r_many1_atlas",
        text: "One",
        status: "complete",
        finishReason: "stop",
        usage: { outputTokens: 1 },
      },
      { id: "r_gone", text: "", status: "cancelled" },
      {
        id: "r_many2_quill",
        text: "Two",
        parts: [
          { type: "reasoning", text: "Why" },
          { type: "text", text: "Two" },
        ],
        status: "error",
        error: { code: "stalled", message: "Stalled\u0000" },
        totalMs: 20,
      },
    ]);
    expect(finished.map((row) => row === null)).toEqual([false, true, false]);
    expect(await store.getMessageById({ id: "r_many1_atlas" })).toMatchObject({
      text: "One",
      status: "complete",
      finishReason: "stop",
      usage: { outputTokens: 1 },
      parts: null,
    });
    expect(await store.getMessageById({ id: "r_many2_quill" })).toMatchObject({
      text: "Two",
      status: "error",
      error: { code: "stalled", message: "Stalled" },
      totalMs: 20,
      parts: [
        { type: "reasoning", text: "Why" },
        { type: "text", text: "Two" },
      ],
    });
  });

  it("names the conversations with an answer unfinished on another node", async () => {
    const { conversation } = await conversationWithMessage("elsewhere", "node-a");
    const ask = (nodeId: string) =>
      store.listConversationsRunningElsewhere({ conversationIds: [conversation.id, "c_none"], nodeId });
    expect(await ask("node-b")).toEqual([conversation.id]);
    expect(await ask("node-a")).toEqual([]);
    await store.finishRuns([
      { id: "r_elsewhere_atlas", text: "", status: "cancelled" },
      { id: "r_elsewhere_quill", text: "Done", status: "complete" },
    ]);
    expect(await ask("node-b")).toEqual([]);
  });

  it("stores many checkpoints in one statement, each by the same rules", async () => {
    await conversationWithMessage("batch");
    await store.markRunStreamingById({ id: "r_batch_atlas", model: "m" });
    await store.markRunStreamingById({ id: "r_batch_quill", model: "m" });
    await store.checkpointRuns([
      { id: "r_batch_quill", text: "Newer", parts: [{ type: "text", text: "Newer" }], seq: 5 },
    ]);
    const thinking: MessagePart[] = [
      { type: "reasoning", text: "Hm\u0000m" },
      { type: "text", text: "A\u0000b" },
    ];
    const written = await store.checkpointRuns([
      { id: "r_batch_atlas", text: "A\u0000b", parts: thinking, seq: 1 },
      { id: "r_batch_quill", text: "Old", parts: [{ type: "text", text: "Old" }], seq: 2 },
      { id: "r_batch_nobody", text: "x", parts: [], seq: 1 },
    ]);
    expect(written).toEqual(["r_batch_atlas"]);
    expect(await store.getMessageById({ id: "r_batch_atlas" })).toMatchObject({
      text: "Ab",
      parts: [
        { type: "reasoning", text: "Hmm" },
        { type: "text", text: "Ab" },
      ],
      seq: 1,
    });
    // Parts that hold nothing but the text are not written twice: readers rebuild them from it.
    expect(await store.getMessageById({ id: "r_batch_quill" })).toMatchObject({ text: "Newer", parts: null });
    expect(await store.getMessageById({ id: "r_batch_quill" })).toMatchObject({ text: "Newer", seq: 5 });
    expect(await store.checkpointRuns([])).toEqual([]);
  });

  it("at start-up interrupts only its own node's unfinished runs, keeping their checkpointed text", async () => {
    await conversationWithMessage("mine", "node-mine");
    await conversationWithMessage("theirs", "node-theirs");
    await store.markRunStreamingById({ id: "r_mine_atlas", model: "m" });
    await store.checkpointRuns([
      { id: "r_mine_atlas", text: "Partial", parts: [{ type: "text", text: "Partial" }], seq: 4 },
    ]);
    await store.finishRunById({ id: "r_mine_quill", text: "Done", status: "complete", finishReason: "stop" });

    const interrupted = await store.markRunsInterruptedByNode({ nodeId: "node-mine" });
    expect(interrupted).toEqual([
      {
        id: "r_mine_atlas",
        conversationId: "c_mine",
        agentId: "atlas",
        text: "Partial",
        // Text-only parts are stored as the text alone (see partsBeyondText).
        parts: null,
        seq: 4,
      },
    ]);
    expect(await store.getMessageById({ id: "r_mine_atlas" })).toMatchObject({
      status: "interrupted",
      text: "Partial",
      error: { code: "interrupted" },
    });
    expect((await store.getMessageById({ id: "r_mine_quill" }))?.status).toBe("complete");
    for (const agent of ["atlas", "quill"]) {
      expect((await store.getMessageById({ id: `r_theirs_${agent}` }))?.status).toBe("queued");
    }
  });

  it("interrupts the runs of a node whose heartbeat went stale, sparing live and excepted ones", async () => {
    await conversationWithMessage("dead", "node-dead");
    await conversationWithMessage("alive", "node-alive");
    const ids = ["r_dead_atlas", "r_dead_quill", "r_alive_atlas", "r_alive_quill"];
    await store.touchRunsByIds({ ids });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await store.touchRunsByIds({ ids: ["r_alive_atlas"] });

    const stale = await store.markStaleRunsInterrupted({ staleAfterMs: 1_000, exceptIds: ["r_alive_quill"] });
    const ours = stale.map((row) => row.id).filter((id) => ids.includes(id));
    expect(ours.sort()).toEqual(["r_dead_atlas", "r_dead_quill"]);
    expect((await store.getMessageById({ id: "r_alive_atlas" }))?.status).toBe("queued");
    expect((await store.getMessageById({ id: "r_alive_quill" }))?.status).toBe("queued");
  });

  it("lists an owner's conversations newest first and finds a public one by its share id", async () => {
    const ownerId = "u_list";
    for (const id of ["c_list_1", "c_list_2"]) {
      await store.createConversation({ id, ownerId, title: id, agentIds: [] });
    }
    await store.updateConversationById({ id: "c_list_1", visibility: "public", shareId: "share-1" });
    const listed = await store.listConversationsByOwnerId({ ownerId });
    expect(listed.map((c) => c.id)).toEqual(["c_list_1", "c_list_2"]);
    expect((await store.getConversationByShareId({ shareId: "share-1" }))?.id).toBe("c_list_1");
    await store.updateConversationById({ id: "c_list_1", visibility: "private" });
    expect(await store.getConversationByShareId({ shareId: "share-1" })).toBeUndefined();
  });

  it("deletes a conversation with everything in it", async () => {
    const { conversation } = await conversationWithMessage("delete");
    expect(await store.deleteConversationById({ id: conversation.id })).toBe(true);
    expect(await store.listMessagesByConversationId({ conversationId: conversation.id })).toEqual([]);
    expect(await store.getMessageById({ id: "r_delete_atlas" })).toBeUndefined();
  });
});
