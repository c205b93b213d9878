import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ActiveRunLimitError, type SendInput, type Store } from "@/lib/db/queries";
import { storeBackends } from "../helpers/backends";

// The answers running at once per identity are counted by the database, in the
// transaction that stores the message, so replicas sharing it agree exactly.
const LIMIT = 3;

describe.each(storeBackends)("answers running at once on $name", (backend) => {
  let store: Store;
  let close: () => Promise<void>;
  let counter = 0;

  beforeAll(async () => {
    ({ store, close } = await backend.open());
  });
  afterAll(() => close());

  async function conversationOf(ownerId: string): Promise<string> {
    counter += 1;
    const id = `c_${ownerId}_${counter}`;
    await store.createConversation({ id, ownerId, title: "Limits", agentIds: ["atlas"] });
    return id;
  }

  /** A message asking `runs` answers. */
  function sendInput(input: {
    ownerId: string;
    conversationId: string;
    clientMessageId: string;
    runs: number;
    /** Tells apart two sends of one clientMessageId. */
    attempt?: number;
  }): SendInput {
    const messageId = `m_${input.ownerId}_${input.clientMessageId}${input.attempt ? `_${input.attempt}` : ""}`;
    return {
      userMessage: {
        id: messageId,
        conversationId: input.conversationId,
        role: "user",
        authorId: input.ownerId,
        clientMessageId: input.clientMessageId,
        text: "Hello",
        status: "complete",
      },
      runs: Array.from({ length: input.runs }, (_, index) => ({
        id: `r_${messageId}_${index}`,
        conversationId: input.conversationId,
        role: "assistant" as const,
        replyToId: messageId,
        agentId: "atlas",
        status: "queued" as const,
        ownerNode: `node-${input.ownerId}`,
      })),
      maxActiveRuns: LIMIT,
    };
  }

  /** Stores one message; resolves with what was stored, or the refusal. */
  async function send(input: Parameters<typeof sendInput>[0]) {
    const [outcome] = await store.storeSends([sendInput(input)]);
    if (outcome instanceof ActiveRunLimitError) throw outcome;
    return outcome;
  }

  it("refuses a message whose answers would pass the limit and stores none of it", async () => {
    const ownerId = "u_refuse";
    const conversationId = await conversationOf(ownerId);
    expect(await send({ ownerId, conversationId, clientMessageId: "one", runs: 2 })).not.toBeNull();
    await expect(send({ ownerId, conversationId, clientMessageId: "two", runs: 2 })).rejects.toBeInstanceOf(
      ActiveRunLimitError,
    );
    expect(
      await store.getMessageByClientMessageId({ authorId: ownerId, clientMessageId: "two" }),
    ).toBeUndefined();
    expect(await send({ ownerId, conversationId, clientMessageId: "three", runs: 1 })).not.toBeNull();
    await expect(send({ ownerId, conversationId, clientMessageId: "four", runs: 1 })).rejects.toBeInstanceOf(
      ActiveRunLimitError,
    );
  });

  it("counts every conversation of the author, and nobody else's", async () => {
    const ownerId = "u_spread";
    for (const clientMessageId of ["a", "b", "c"]) {
      await send({ ownerId, conversationId: await conversationOf(ownerId), clientMessageId, runs: 1 });
    }
    await expect(
      send({ ownerId, conversationId: await conversationOf(ownerId), clientMessageId: "d", runs: 1 }),
    ).rejects.toBeInstanceOf(ActiveRunLimitError);
    const other = "u_other";
    expect(
      await send({
        ownerId: other,
        conversationId: await conversationOf(other),
        clientMessageId: "a",
        runs: 3,
      }),
    ).not.toBeNull();
  });

  it("frees a place when a run ends, however it ends", async () => {
    const ownerId = "u_free";
    const conversationId = await conversationOf(ownerId);
    const first = await send({ ownerId, conversationId, clientMessageId: "first", runs: 3 });
    const [done, cancelled] = first?.runs ?? [];
    await store.markRunStreamingById({ id: done?.id ?? "", model: "fake-model" });
    await expect(send({ ownerId, conversationId, clientMessageId: "full", runs: 1 })).rejects.toBeInstanceOf(
      ActiveRunLimitError,
    );
    await store.finishRunById({ id: done?.id ?? "", text: "ok", status: "complete" });
    await store.finishRunById({ id: cancelled?.id ?? "", text: "", status: "cancelled" });
    expect(await send({ ownerId, conversationId, clientMessageId: "after", runs: 2 })).not.toBeNull();
    // A node that died leaves its runs unfinished until recovery marks them interrupted.
    await expect(send({ ownerId, conversationId, clientMessageId: "dead", runs: 1 })).rejects.toBeInstanceOf(
      ActiveRunLimitError,
    );
    await store.markRunsInterruptedByNode({ nodeId: `node-${ownerId}` });
    expect(await send({ ownerId, conversationId, clientMessageId: "recovered", runs: 3 })).not.toBeNull();
  });

  it("answers a retry of a stored message as a duplicate, not a refusal, when full", async () => {
    const ownerId = "u_retry";
    const conversationId = await conversationOf(ownerId);
    await send({ ownerId, conversationId, clientMessageId: "same", runs: 3 });
    expect(await send({ ownerId, conversationId, clientMessageId: "same", runs: 1 })).toBeNull();
  });

  it("decides each send of one batch on its own, in order, and keeps nothing of those it refuses", async () => {
    const ownerId = "u_batch";
    const other = "u_batch_other";
    const existing = await conversationOf(ownerId);
    const fresh = (n: number) => ({
      id: `c_${ownerId}_new_${n}`,
      ownerId,
      title: "New",
      agentIds: ["atlas"],
    });
    const inNew = (n: number, clientMessageId: string, runs: number): SendInput => ({
      ...sendInput({ ownerId, conversationId: fresh(n).id, clientMessageId, runs }),
      newConversation: fresh(n),
    });
    const outcomes = await store.storeSends([
      sendInput({ ownerId, conversationId: existing, clientMessageId: "b1", runs: 2 }),
      inNew(1, "b2", 2),
      sendInput({ ownerId, conversationId: existing, clientMessageId: "b1", runs: 1, attempt: 2 }),
      inNew(2, "b3", 1),
      sendInput({
        ownerId: other,
        conversationId: await conversationOf(other),
        clientMessageId: "b1",
        runs: 3,
      }),
    ]);
    const kinds = outcomes.map((outcome) =>
      outcome instanceof ActiveRunLimitError ? "refused" : outcome === null ? "repeated" : "stored",
    );
    // 2 running, then 2 more would be 4 > 3, a repeat, then 1 more makes 3; the other author has 3 of their own.
    expect(kinds).toEqual(["stored", "refused", "repeated", "stored", "stored"]);
    expect(await store.getConversationById({ id: fresh(1).id })).toBeUndefined();
    expect(await store.getConversationById({ id: fresh(2).id })).toMatchObject({ ownerId, title: "New" });
    const kept = await store.listMessagesByConversationId({ conversationId: existing });
    expect(kept.map((message) => [message.role, message.clientMessageId])).toEqual([
      ["user", "b1"],
      ["assistant", null],
      ["assistant", null],
    ]);
    const stored = outcomes[3];
    expect(stored && !(stored instanceof Error) && stored.runs.map((run) => run.conversationId)).toEqual([
      fresh(2).id,
    ]);
  });

  it("lets exactly the limit through when many messages arrive at once", async () => {
    const ownerId = "u_burst";
    const conversations = await Promise.all([1, 2, 3, 4].map(() => conversationOf(ownerId)));
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, index) =>
        send({
          ownerId,
          conversationId: conversations[index % conversations.length] ?? "",
          clientMessageId: `burst-${index}`,
          runs: 1,
        }),
      ),
    );
    const stored = outcomes.filter((outcome) => outcome.status === "fulfilled");
    const refused = outcomes.filter(
      (outcome) => outcome.status === "rejected" && outcome.reason instanceof ActiveRunLimitError,
    );
    expect(stored).toHaveLength(LIMIT);
    expect(refused).toHaveLength(20 - LIMIT);
  });
});
