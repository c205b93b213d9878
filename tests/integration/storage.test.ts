import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "@/lib/db/client";
import { createStore, type Store } from "@/lib/db/queries";
import { createTestDatabase } from "../helpers/postgres";

type Backend = { name: string; open(): Promise<{ store: Store; close(): Promise<void> }> };

const backends: Backend[] = [
  {
    name: "embedded PGlite",
    async open() {
      const dataDir = mkdtempSync(join(tmpdir(), "switchboard-pglite-"));
      const handle = await openDatabase({ dataDir });
      return {
        store: createStore(handle.db),
        async close() {
          await handle.close();
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: "PostgreSQL at 127.0.0.1:5432",
    async open() {
      const database = await createTestDatabase();
      const handle = await openDatabase({ databaseUrl: database.url, dataDir: "unused" });
      // A second opening applies no migration twice.
      await (await openDatabase({ databaseUrl: database.url, dataDir: "unused" })).close();
      return {
        store: createStore(handle.db),
        async close() {
          await handle.close();
          await database.drop();
        },
      };
    },
  },
];

describe.each(backends)("storage on $name", (backend) => {
  let store: Store;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ store, close } = await backend.open());
  });
  afterAll(() => close());

  async function conversationWithMessage(clientMessageId: string) {
    const ownerId = `u_${clientMessageId}`;
    const conversation = await store.createConversation({
      id: `c_${clientMessageId}`,
      ownerId,
      title: "Test",
      agentIds: ["atlas"],
    });
    const stored = await store.insertUserMessageWithRuns({
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
      })),
    });
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
    const again = await store.insertUserMessageWithRuns({
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
    });
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

  it("marks runs left unfinished by a stopped process as interrupted, keeping their text", async () => {
    await conversationWithMessage("crash");
    await store.markRunStreamingById({ id: "r_crash_atlas", model: "m" });
    const count = await store.markUnfinishedRunsInterrupted();
    expect(count).toBeGreaterThanOrEqual(2);
    expect((await store.getMessageById({ id: "r_crash_atlas" }))?.status).toBe("interrupted");
    expect((await store.getMessageById({ id: "r_crash_quill" }))?.status).toBe("interrupted");
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
