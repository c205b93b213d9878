import { and, asc, eq, inArray } from "drizzle-orm";
import type { ErrorInfo, FinishReason, MessageStatus, Usage } from "../../protocol/schemas";
import type { Database } from "../client";
import { conversations, type MessageRow, messages, type NewMessageRow } from "../schema";

export type RunOutcome = {
  id: string;
  text: string;
  status: Extract<MessageStatus, "complete" | "cancelled" | "error" | "interrupted">;
  finishReason?: FinishReason | null;
  error?: ErrorInfo | null;
  usage?: Usage | null;
  firstTokenMs?: number | null;
  totalMs?: number | null;
};

export function messageQueries(db: Database) {
  return {
    listMessagesByConversationId({ conversationId }: { conversationId: string }): Promise<MessageRow[]> {
      return db
        .select()
        .from(messages)
        .where(eq(messages.conversationId, conversationId))
        .orderBy(asc(messages.position));
    },

    async getMessageById({ id }: { id: string }): Promise<MessageRow | undefined> {
      const [row] = await db.select().from(messages).where(eq(messages.id, id));
      return row;
    },

    async getMessageByClientMessageId(input: {
      authorId: string;
      clientMessageId: string;
    }): Promise<MessageRow | undefined> {
      const [row] = await db
        .select()
        .from(messages)
        .where(
          and(eq(messages.authorId, input.authorId), eq(messages.clientMessageId, input.clientMessageId)),
        );
      return row;
    },

    listRepliesByMessageId({ replyToId }: { replyToId: string }): Promise<MessageRow[]> {
      return db
        .select()
        .from(messages)
        .where(eq(messages.replyToId, replyToId))
        .orderBy(asc(messages.position));
    },

    /**
     * Stores a user message and the placeholders of the answers it asks for, in
     * one transaction. Returns null when the author already sent this
     * clientMessageId (the unique index decides, so concurrent retries agree).
     */
    async insertUserMessageWithRuns(input: {
      userMessage: NewMessageRow & { authorId: string; clientMessageId: string };
      runs: NewMessageRow[];
    }): Promise<{ userMessage: MessageRow; runs: MessageRow[] } | null> {
      return db.transaction(async (tx) => {
        const [userMessage] = await tx
          .insert(messages)
          .values(input.userMessage)
          .onConflictDoNothing({ target: [messages.authorId, messages.clientMessageId] })
          .returning();
        if (!userMessage) return null;
        const runs = input.runs.length > 0 ? await tx.insert(messages).values(input.runs).returning() : [];
        await tx
          .update(conversations)
          .set({ updatedAt: new Date() })
          .where(eq(conversations.id, userMessage.conversationId));
        return { userMessage, runs };
      });
    },

    async markRunStreamingById({ id, model }: { id: string; model: string }): Promise<void> {
      await db
        .update(messages)
        .set({ status: "streaming", model, updatedAt: new Date() })
        .where(eq(messages.id, id));
    },

    /** Stores how a run ended; returns when the answer was created, or null if it is gone. */
    async finishRunById(outcome: RunOutcome): Promise<{ createdAt: Date } | null> {
      const { id, ...fields } = outcome;
      const [row] = await db
        .update(messages)
        .set({ ...fields, updatedAt: new Date() })
        .where(eq(messages.id, id))
        .returning({ createdAt: messages.createdAt });
      return row ?? null;
    },

    /**
     * Runs left queued or streaming by a process that is gone are stored as
     * interrupted, keeping whatever text they had.
     */
    async markUnfinishedRunsInterrupted(): Promise<number> {
      const rows = await db
        .update(messages)
        .set({
          status: "interrupted",
          error: { code: "interrupted", message: "The server stopped before this answer finished." },
          updatedAt: new Date(),
        })
        .where(inArray(messages.status, ["queued", "streaming"]))
        .returning({ id: messages.id });
      return rows.length;
    },
  };
}
