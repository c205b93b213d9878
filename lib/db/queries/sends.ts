import { and, asc, eq, inArray, isNull, or, sql } from "drizzle-orm";
import { leafUnder } from "../../protocol/tree";
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
  /**
   * Where the message goes in the tree: under this message (null: a new first
   * message), as an edit does; absent, after the conversation's active leaf.
   */
  parentId?: string | null;
  /** Its answers, in order: each is placed after the one before it. */
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

/**
 * Keeps the active-run counts of these authors true until commit: the
 * per-author advisory locks, taken in one order by every caller on every replica.
 */
async function lockAuthors(tx: Transaction, authors: readonly string[]): Promise<void> {
  if (authors.length === 0) return;
  await tx.execute(
    sql`select pg_advisory_xact_lock(${ACTIVE_RUNS_LOCK}, key) from (select distinct hashtext(author) as key from unnest(${sql.param([...authors])}::text[]) as author order by key) as keys`,
  );
}

/** Answers queued or streaming in the conversations of each of these owners. */
async function countActiveRuns(tx: Transaction, owners: readonly string[]): Promise<Map<string, number>> {
  const active = new Map<string, number>();
  if (owners.length === 0) return active;
  const rows = await tx
    .select({ ownerId: conversations.ownerId, active: sql<number>`count(*)::int` })
    .from(messages)
    .innerJoin(conversations, eq(conversations.id, messages.conversationId))
    .where(and(inArray(conversations.ownerId, [...owners]), eq(messages.role, "assistant"), unfinished))
    .groupBy(conversations.ownerId);
  for (const row of rows) active.set(row.ownerId, Number(row.active));
  return active;
}

/**
 * The active leaf of each existing conversation, its row locked until commit:
 * sends, edits and switches of one conversation place their messages one
 * after another, on every replica. Locked in one order, so none wait on each other in a circle.
 */
async function lockLeaves(tx: Transaction, ids: readonly string[]): Promise<Map<string, string | null>> {
  const leaves = new Map<string, string | null>();
  if (ids.length === 0) return leaves;
  const rows = await tx
    .select({ id: conversations.id, leaf: conversations.activeLeafId })
    .from(conversations)
    .where(inArray(conversations.id, [...new Set(ids)]))
    .orderBy(conversations.id)
    .for("update");
  for (const row of rows) leaves.set(row.id, row.leaf);
  return leaves;
}

/** Stores each conversation's new active leaf, and that it changed now. */
async function storeLeaves(tx: Transaction, leaves: ReadonlyMap<string, string | null>): Promise<void> {
  if (leaves.size === 0) return;
  const rows = [...leaves].map(([id, leaf]) => ({ id, leaf }));
  const given = sql`jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as v(id text, leaf text)`;
  await tx
    .update(conversations)
    .set({ activeLeafId: sql`v.leaf`, updatedAt: sql`now()` })
    .from(given)
    .where(sql`${conversations.id} = v.id`);
}

/** A new answer to a question already asked: a sibling of an answer, keyed for retries like a send. */
export type RegenerateInput = {
  authorId: string;
  clientMessageId: string;
  answer: NewMessageRow & { parentId: string; replyToId: string };
  maxActiveRuns?: number;
};

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
        await lockAuthors(tx, counted);
        const leaves = await lockLeaves(
          tx,
          inputs.flatMap((input) => (input.newConversation ? [] : [input.userMessage.conversationId])),
        );
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
        const active = await countActiveRuns(tx, counted);
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

        // Each message goes where it was asked to or after its conversation's leaf, in the order
        // given; its answers follow it one after another, and the last becomes the leaf.
        const placed: Array<{ id: string; parent: string }> = [];
        const runRows: NewMessageRow[] = [];
        for (const input of admitted) {
          const { id, conversationId } = input.userMessage;
          const parent = input.parentId !== undefined ? input.parentId : (leaves.get(conversationId) ?? null);
          const stored = storedById.get(id) as MessageRow;
          stored.parentId = parent;
          if (parent !== null) placed.push({ id, parent });
          let previous = id;
          for (const run of input.runs) {
            runRows.push({ ...run, parentId: previous });
            previous = run.id as string;
          }
          leaves.set(conversationId, previous);
        }
        if (placed.length > 0) {
          const given = sql`jsonb_to_recordset(${JSON.stringify(placed)}::jsonb) as v(id text, parent text)`;
          await tx
            .update(messages)
            .set({ parentId: sql`v.parent` })
            .from(given)
            .where(sql`${messages.id} = v.id`);
        }
        const runs = runRows.length > 0 ? await tx.insert(messages).values(runRows).returning() : [];
        const runsByMessage = new Map<string, MessageRow[]>();
        for (const run of runs) {
          const replyTo = run.replyToId ?? "";
          runsByMessage.set(replyTo, [...(runsByMessage.get(replyTo) ?? []), run]);
        }
        const admittedConversations = new Set(admitted.map((input) => input.userMessage.conversationId));
        await storeLeaves(
          tx,
          new Map([...leaves].filter(([conversationId]) => admittedConversations.has(conversationId))),
        );

        return inputs.map((input, i): SendOutcome => {
          const limit = refused[i];
          if (limit) return limit;
          const userMessage = storedById.get(input.userMessage.id);
          return userMessage ? { userMessage, runs: runsByMessage.get(userMessage.id) ?? [] } : null;
        });
      });
    },

    /**
     * Stores a regenerated answer, queued, and makes it the active leaf. Null
     * when its author already sent this clientMessageId; the active-run
     * limit it would break (nothing stored); else the stored row.
     */
    storeRegenerate(input: RegenerateInput): Promise<MessageRow | null | ActiveRunLimitError> {
      return db.transaction(async (tx) => {
        const counted = input.maxActiveRuns === undefined ? [] : [input.authorId];
        await lockAuthors(tx, counted);
        const conversationId = input.answer.conversationId;
        await lockLeaves(tx, [conversationId]);
        if (input.maxActiveRuns !== undefined) {
          const running = (await countActiveRuns(tx, counted)).get(input.authorId) ?? 0;
          if (running + 1 > input.maxActiveRuns) return new ActiveRunLimitError(running, input.maxActiveRuns);
        }
        const [stored] = await tx
          .insert(messages)
          .values({ ...input.answer, authorId: input.authorId, clientMessageId: input.clientMessageId })
          .onConflictDoNothing({ target: [messages.authorId, messages.clientMessageId] })
          .returning();
        if (!stored) return null;
        await storeLeaves(tx, new Map([[conversationId, stored.id]]));
        return stored;
      });
    },

    /**
     * Makes the branch through this message active: its leaf is found down
     * through the latest child at each step (`leafUnder`). Undefined when the
     * message is not a node of the conversation's tree.
     */
    switchBranch(input: { conversationId: string; messageId: string }): Promise<string | undefined> {
      return db.transaction(async (tx) => {
        const leaves = await lockLeaves(tx, [input.conversationId]);
        if (!leaves.has(input.conversationId)) return undefined;
        const nodes = await tx
          .select({ id: messages.id, parentId: messages.parentId, parentMessageId: messages.parentMessageId })
          .from(messages)
          .where(and(eq(messages.conversationId, input.conversationId), isNull(messages.parentMessageId)))
          .orderBy(asc(messages.position));
        if (!nodes.some((node) => node.id === input.messageId)) return undefined;
        const leaf = leafUnder(nodes, input.messageId);
        await storeLeaves(tx, new Map([[input.conversationId, leaf]]));
        return leaf;
      });
    },
  };
}
