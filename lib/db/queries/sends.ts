import { and, eq, inArray, isNull, or, sql } from "drizzle-orm";
import type { Database } from "../client";
import {
  attachments,
  conversations,
  type MessageRow,
  messageAttachments,
  messages,
  type NewMessageRow,
  users,
} from "../schema";
import { ACTIVE_RUNS_LOCK, ActiveRunLimitError, unfinished } from "./messages";

type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];

/** One user message to store with the placeholders of the answers it asks for. */
export type SendInput = {
  /** The conversation to create first; absent when the message goes to an existing one. */
  newConversation?: { id: string; ownerId: string; title: string; agentIds: string[] };
  userMessage: NewMessageRow & { authorId: string; clientMessageId: string };
  runs: NewMessageRow[];
  /** Files the message carries, in order: its author's, unsent or already of this conversation. */
  attachmentIds?: string[];
  /** The most answers its author may have queued or streaming once it is stored. */
  maxActiveRuns?: number;
};

/**
 * What became of one send: stored; null when its author already sent this
 * clientMessageId (nothing of it was stored); or the active-run limit it
 * would have broken (nothing stored either).
 */
export type SendOutcome = { userMessage: MessageRow; runs: MessageRow[] } | null | ActiveRunLimitError;

/** A file named by a send was not its author's to send there (taken by another send a moment ago, say). */
export class AttachmentUnavailableError extends Error {
  override readonly name = "AttachmentUnavailableError";
}

/** Gives each message its files, which from then on belong to its conversation. */
async function bindAttachments(tx: Transaction, sends: readonly SendInput[]): Promise<void> {
  const rows: Array<typeof messageAttachments.$inferInsert> = [];
  for (const send of sends) {
    const ids = [...new Set(send.attachmentIds ?? [])];
    if (ids.length === 0) continue;
    const { id: messageId, conversationId, authorId } = send.userMessage;
    const bound = await tx
      .update(attachments)
      .set({ conversationId })
      .where(
        and(
          inArray(attachments.id, ids),
          eq(attachments.ownerId, authorId),
          or(isNull(attachments.conversationId), eq(attachments.conversationId, conversationId)),
        ),
      )
      .returning({ id: attachments.id });
    if (bound.length !== ids.length)
      throw new AttachmentUnavailableError("an attachment cannot go with this message");
    rows.push(...ids.map((attachmentId, position) => ({ messageId, attachmentId, position })));
  }
  if (rows.length > 0) await tx.insert(messageAttachments).values(rows);
}

export function sendQueries(db: Database) {
  return {
    /**
     * Stores many sends in one transaction, a few statements for all of them
     * (multi-row inserts): what a burst of messages costs the database grows
     * with its rows, not with round trips and commits. Each send is decided
     * on its own, in the order given: a duplicate clientMessageId (the unique
     * index decides, so concurrent retries agree) or an author over the limit
     * of running answers stores nothing of that send and the others go on.
     * The per-author advisory locks, taken in one order by every caller on
     * every replica, keep the counts true until commit.
     */
    storeSends(inputs: readonly SendInput[]): Promise<SendOutcome[]> {
      if (inputs.length === 0) return Promise.resolve([]);
      return db.transaction(async (tx) => {
        const counted = [
          ...new Set(
            inputs.flatMap((input) =>
              input.maxActiveRuns === undefined ? [] : [input.userMessage.authorId],
            ),
          ),
        ];
        if (counted.length > 0) {
          await tx.execute(
            sql`select pg_advisory_xact_lock(${ACTIVE_RUNS_LOCK}, key) from (select distinct hashtext(author) as key from unnest(${sql.param(counted)}::text[]) as author order by key) as keys`,
          );
        }
        const created = inputs.flatMap((input) => (input.newConversation ? [input.newConversation] : []));
        if (created.length > 0) {
          const owners = [...new Set(created.map((conversation) => conversation.ownerId))];
          await tx
            .insert(users)
            .values(owners.map((id) => ({ id })))
            .onConflictDoNothing();
          await tx.insert(conversations).values(created);
        }
        const inserted = await tx
          .insert(messages)
          .values(inputs.map((input) => input.userMessage))
          .onConflictDoNothing({ target: [messages.authorId, messages.clientMessageId] })
          .returning();
        const storedById = new Map(inserted.map((row) => [row.id, row]));

        // Only sends stored as new count against the limit: a retry of a stored message is a duplicate, not a refusal.
        const active = new Map<string, number>();
        if (counted.length > 0) {
          const rows = await tx
            .select({ ownerId: conversations.ownerId, active: sql<number>`count(*)::int` })
            .from(messages)
            .innerJoin(conversations, eq(conversations.id, messages.conversationId))
            .where(and(inArray(conversations.ownerId, counted), eq(messages.role, "assistant"), unfinished))
            .groupBy(conversations.ownerId);
          for (const row of rows) active.set(row.ownerId, Number(row.active));
        }
        const refused = inputs.map((input) => {
          if (!storedById.has(input.userMessage.id)) return undefined;
          if (input.maxActiveRuns === undefined || input.runs.length === 0) return undefined;
          const author = input.userMessage.authorId;
          const running = active.get(author) ?? 0;
          if (running + input.runs.length > input.maxActiveRuns) {
            return new ActiveRunLimitError(running, input.maxActiveRuns);
          }
          active.set(author, running + input.runs.length);
          return undefined;
        });
        const admitted = inputs.filter((input, i) => storedById.has(input.userMessage.id) && !refused[i]);
        const kept = new Set(admitted);

        // What was stored of a send that is not: its new conversation (and the message in it), or its message.
        const dropped = inputs.filter((input) => !kept.has(input));
        const droppedConversations = dropped.flatMap((input) =>
          input.newConversation ? [input.newConversation.id] : [],
        );
        const droppedMessages = dropped.flatMap((input) =>
          !input.newConversation && storedById.has(input.userMessage.id) ? [input.userMessage.id] : [],
        );
        if (droppedConversations.length > 0) {
          await tx.delete(conversations).where(inArray(conversations.id, droppedConversations));
        }
        if (droppedMessages.length > 0)
          await tx.delete(messages).where(inArray(messages.id, droppedMessages));

        await bindAttachments(tx, admitted);
        const runRows = admitted.flatMap((input) => input.runs);
        const runs = runRows.length > 0 ? await tx.insert(messages).values(runRows).returning() : [];
        const runsByMessage = new Map<string, MessageRow[]>();
        for (const run of runs) {
          const replyTo = run.replyToId ?? "";
          runsByMessage.set(replyTo, [...(runsByMessage.get(replyTo) ?? []), run]);
        }
        const touched = admitted.flatMap((input) =>
          input.newConversation ? [] : [input.userMessage.conversationId],
        );
        if (touched.length > 0) {
          await tx
            .update(conversations)
            .set({ updatedAt: new Date() })
            .where(inArray(conversations.id, [...new Set(touched)]));
        }

        return inputs.map((input, i): SendOutcome => {
          const limit = refused[i];
          if (limit) return limit;
          const userMessage = storedById.get(input.userMessage.id);
          return userMessage ? { userMessage, runs: runsByMessage.get(userMessage.id) ?? [] } : null;
        });
      });
    },
  };
}
