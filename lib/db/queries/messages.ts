import { and, asc, eq, inArray, isNull, lte, notInArray, or, type SQL, sql } from "drizzle-orm";
import { partsBeyondText } from "../../protocol/parts";
import type { ErrorInfo, FinishReason, MessagePart, MessageStatus, Usage } from "../../protocol/schemas";
import type { Database } from "../client";
import { conversations, type MessageRow, messages, type NewMessageRow } from "../schema";

export type RunOutcome = {
  id: string;
  text: string;
  /** The answer's parts as streamed, its text included. */
  parts?: MessagePart[];
  status: Extract<MessageStatus, "complete" | "cancelled" | "error" | "interrupted">;
  finishReason?: FinishReason | null;
  error?: ErrorInfo | null;
  usage?: Usage | null;
  firstTokenMs?: number | null;
  totalMs?: number | null;
};

export type RecentAnswer = {
  agentId: string;
  /** Characters streamed: the text and the reasoning before it. */
  length: number;
  firstTokenMs: number | null;
  totalMs: number | null;
};

/** A run stored as interrupted: enough to tell the viewers still watching it. */
export type InterruptedRun = Pick<MessageRow, "id" | "conversationId" | "agentId" | "text" | "parts" | "seq">;

export const unfinished = inArray(messages.status, ["queued", "streaming"]);

/** Characters of reasoning in an answer's parts (none in a row stored before parts existed). */
const reasoningLength = sql<number>`coalesce((select sum(length(part->>'text')) from jsonb_array_elements(coalesce(${messages.parts}, '[]'::jsonb)) as part where part->>'type' = 'reasoning'), 0)`;

/**
 * The parts as jsonb can hold them: PostgreSQL refuses U+0000 there, and a
 * tool's input or output may quote one from anywhere.
 */
function withoutNul<T>(value: T): T {
  if (typeof value === "string") return value.replaceAll("\u0000", "") as T;
  if (Array.isArray(value)) return value.map(withoutNul) as T;
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [withoutNul(key), withoutNul(inner)]),
    ) as T;
  }
  return value;
}

/** The advisory lock space (first key) of the per-author lock taken while counting active runs. */
export const ACTIVE_RUNS_LOCK = 0x5b0a2e;

/** Storing the message would leave its author with more running answers than allowed; nothing was stored. */
export class ActiveRunLimitError extends Error {
  override readonly name = "ActiveRunLimitError";
  constructor(
    readonly active: number,
    readonly limit: number,
  ) {
    super(`${active} answers already running; at most ${limit} at once`);
  }
}

export function messageQueries(db: Database) {
  /** Stores the unfinished runs matching `where` as interrupted, keeping whatever text they had. */
  async function interruptRunsWhere(where: SQL | undefined): Promise<InterruptedRun[]> {
    return db
      .update(messages)
      .set({
        status: "interrupted",
        error: { code: "interrupted", message: "The server stopped before this answer finished." },
        updatedAt: new Date(),
      })
      .where(and(unfinished, where))
      .returning({
        id: messages.id,
        conversationId: messages.conversationId,
        agentId: messages.agentId,
        text: messages.text,
        parts: messages.parts,
        seq: messages.seq,
      });
  }

  /** Runs that started streaming, with the model each asked: one statement for all of them. */
  async function markRunsStreaming(inputs: ReadonlyArray<{ id: string; model: string }>): Promise<void> {
    if (inputs.length === 0) return;
    const given = sql`jsonb_to_recordset(${JSON.stringify(inputs)}::jsonb) as v(id text, model text)`;
    await db
      .update(messages)
      .set({ status: "streaming", model: sql`v.model`, heartbeatAt: sql`now()`, updatedAt: sql`now()` })
      .from(given)
      .where(sql`${messages.id} = v.id`);
  }

  /**
   * Stores how runs ended, all in one statement; for each, when the answer
   * was created, or null if it is gone. What an outcome leaves out (parts,
   * usage…) stays as it was.
   */
  async function finishRuns(outcomes: readonly RunOutcome[]): Promise<Array<{ createdAt: Date } | null>> {
    if (outcomes.length === 0) return [];
    const rows = outcomes.map(
      ({ id, text, parts, status, finishReason, error, usage, firstTokenMs, totalMs }) => ({
        id,
        text,
        parts: parts ? withoutNul(partsBeyondText(parts, text)) : null,
        status,
        finish_reason: finishReason ?? null,
        // An upstream error message is quoted as it came; PostgreSQL refuses U+0000 in jsonb.
        error: error ? { ...error, message: error.message.replaceAll("\u0000", "") } : null,
        usage: usage ?? null,
        first_token_ms: firstTokenMs ?? null,
        total_ms: totalMs ?? null,
      }),
    );
    const given = sql`jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as v(id text, text text, parts jsonb, status text, finish_reason text, error jsonb, usage jsonb, first_token_ms integer, total_ms integer)`;
    const stored = await db
      .update(messages)
      .set({
        text: sql`v.text`,
        parts: sql`coalesce(v.parts, ${messages.parts})`,
        status: sql`v.status`,
        finishReason: sql`coalesce(v.finish_reason, ${messages.finishReason})`,
        error: sql`coalesce(v.error, ${messages.error})`,
        usage: sql`coalesce(v.usage, ${messages.usage})`,
        firstTokenMs: sql`coalesce(v.first_token_ms, ${messages.firstTokenMs})`,
        totalMs: sql`coalesce(v.total_ms, ${messages.totalMs})`,
        updatedAt: sql`now()`,
      })
      .from(given)
      .where(sql`${messages.id} = v.id`)
      .returning({ id: messages.id, createdAt: messages.createdAt });
    const byId = new Map(stored.map((row) => [row.id, { createdAt: row.createdAt }]));
    return outcomes.map((outcome) => byId.get(outcome.id) ?? null);
  }

  return {
    listMessagesByConversationId({ conversationId }: { conversationId: string }): Promise<MessageRow[]> {
      return db
        .select()
        .from(messages)
        .where(eq(messages.conversationId, conversationId))
        .orderBy(asc(messages.position));
    },

    /**
     * Of these conversations, those with an answer queued or streaming on a
     * node other than `nodeId`: the only ones worth asking the other replicas about.
     */
    async listConversationsRunningElsewhere(input: {
      conversationIds: readonly string[];
      nodeId: string;
    }): Promise<string[]> {
      if (input.conversationIds.length === 0) return [];
      const rows = await db
        .selectDistinct({ conversationId: messages.conversationId })
        .from(messages)
        .where(
          and(
            inArray(messages.conversationId, [...new Set(input.conversationIds)]),
            eq(messages.role, "assistant"),
            unfinished,
            sql`${messages.ownerNode} is distinct from ${input.nodeId}`,
          ),
        );
      return rows.map((row) => row.conversationId);
    },

    /**
     * Whether answers of earlier messages of the conversation (not the same
     * message's) are queued or streaming on another node: this answer's turn
     * has not come yet.
     */
    async runsAheadElsewhere(input: { messageId: string; nodeId: string }): Promise<boolean> {
      const rows = await db.execute(
        sql`select exists (select 1 from ${messages} ahead join ${messages} mine on mine.id = ${input.messageId}
          where ahead.conversation_id = mine.conversation_id and ahead.role = 'assistant'
            and ahead.status in ('queued', 'streaming') and ahead.position < mine.position
            and ahead.reply_to_id is distinct from mine.reply_to_id
            and ahead.owner_node is distinct from ${input.nodeId}) as waiting`,
      );
      return (rows as unknown as { rows: Array<{ waiting: boolean }> }).rows[0]?.waiting === true;
    },

    /** The messages of each conversation, in order: one query for all of them. */
    async listMessagesByConversationIds(ids: readonly string[]): Promise<MessageRow[][]> {
      if (ids.length === 0) return [];
      const rows = await db
        .select()
        .from(messages)
        .where(inArray(messages.conversationId, [...new Set(ids)]))
        .orderBy(asc(messages.position));
      const byConversation = new Map<string, MessageRow[]>();
      for (const row of rows) {
        const list = byConversation.get(row.conversationId);
        if (list) list.push(row);
        else byConversation.set(row.conversationId, [row]);
      }
      return ids.map((id) => byConversation.get(id) ?? []);
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

    /**
     * Deletes these messages of the conversation (one piece of a branch: a
     * message and its answers); what came after them on the branch moves up to
     * the message before them, and so does the active leaf if it was among
     * them. Resolves with the ids that were there.
     */
    deleteMessages({ conversationId, ids }: { conversationId: string; ids: string[] }): Promise<string[]> {
      return db.transaction(async (tx) => {
        await tx
          .select({ id: conversations.id })
          .from(conversations)
          .where(eq(conversations.id, conversationId))
          .for("update");
        const deleted = await tx
          .delete(messages)
          .where(and(eq(messages.conversationId, conversationId), inArray(messages.id, ids)))
          .returning({ id: messages.id, parentId: messages.parentId });
        const gone = new Set(deleted.map((row) => row.id));
        const anchor =
          deleted.find((row) => row.parentId === null || !gone.has(row.parentId))?.parentId ?? null;
        if (gone.size > 0) {
          await tx
            .update(messages)
            .set({ parentId: anchor })
            .where(and(eq(messages.conversationId, conversationId), inArray(messages.parentId, [...gone])));
          await tx
            .update(conversations)
            .set({ activeLeafId: anchor })
            .where(and(eq(conversations.id, conversationId), inArray(conversations.activeLeafId, [...gone])));
        }
        return [...gone];
      });
    },

    /** Stores the row of an answer another agent asked for (`ask_agent`), which starts at once. */
    async createNestedRun(row: NewMessageRow & { parentMessageId: string }): Promise<MessageRow> {
      const [stored] = await db.insert(messages).values(row).returning();
      return stored as MessageRow;
    },

    listRepliesByMessageId({ replyToId }: { replyToId: string }): Promise<MessageRow[]> {
      return db
        .select()
        .from(messages)
        .where(eq(messages.replyToId, replyToId))
        .orderBy(asc(messages.position));
    },

    markRunsStreaming,
    finishRuns,

    markRunStreamingById(input: { id: string; model: string }): Promise<void> {
      return markRunsStreaming([input]);
    },

    /** Stores how a run ended; returns when the answer was created, or null if it is gone. */
    async finishRunById(outcome: RunOutcome): Promise<{ createdAt: Date } | null> {
      const [stored] = await finishRuns([outcome]);
      return stored ?? null;
    },

    /** Each agent's latest complete answers (up to perAgent), oldest first: what answers tend to look like. */
    async listRecentAnswersPerAgent({ perAgent }: { perAgent: number }): Promise<RecentAnswer[]> {
      const ranked = db
        .select({
          agentId: messages.agentId,
          length: sql<number>`length(${messages.text}) + ${reasoningLength}`.as("length"),
          firstTokenMs: messages.firstTokenMs,
          totalMs: messages.totalMs,
          position: messages.position,
          rank: sql<number>`row_number() over (partition by ${messages.agentId} order by ${messages.position} desc)`.as(
            "rank",
          ),
        })
        .from(messages)
        .where(and(eq(messages.role, "assistant"), eq(messages.status, "complete")))
        .as("ranked");
      const rows = await db
        .select()
        .from(ranked)
        .where(lte(ranked.rank, perAgent))
        .orderBy(asc(ranked.position));
      return rows.flatMap(({ agentId, length, firstTokenMs, totalMs }) =>
        agentId ? [{ agentId, length: Number(length), firstTokenMs, totalMs }] : [],
      );
    },

    /**
     * Stores the text and parts runs have streamed so far, with the seq each
     * reaches, and counts as their heartbeat: all of them in one statement (one
     * round trip, one plan), as the run journal writes them each interval.
     * Changes nothing for a run that has ended or has a newer checkpoint
     * stored; returns the ids it wrote.
     */
    async checkpointRuns(
      inputs: ReadonlyArray<{ id: string; text: string; parts: MessagePart[]; seq: number }>,
    ): Promise<string[]> {
      if (inputs.length === 0) return [];
      const rows = withoutNul(
        inputs.map(({ id, text, parts, seq }) => ({ id, text, parts: partsBeyondText(parts, text), seq })),
      );
      const given = sql`jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as v(id text, text text, parts jsonb, seq integer)`;
      const written = await db
        .update(messages)
        .set({ text: sql`v.text`, parts: sql`v.parts`, seq: sql`v.seq`, heartbeatAt: sql`now()` })
        .from(given)
        .where(
          and(sql`${messages.id} = v.id`, unfinished, or(isNull(messages.seq), sql`${messages.seq} < v.seq`)),
        )
        .returning({ id: messages.id });
      return written.map((row) => row.id);
    },

    /** Tells the other nodes that these runs are still alive (the database's clock, not ours). */
    async touchRunsByIds({ ids }: { ids: string[] }): Promise<void> {
      if (ids.length === 0) return;
      await db
        .update(messages)
        .set({ heartbeatAt: sql`now()` })
        .where(and(inArray(messages.id, ids), unfinished));
    },

    /** At start-up of a single node (no other replica shares the database): every unfinished run was its own. */
    markUnfinishedRunsInterrupted(): Promise<InterruptedRun[]> {
      return interruptRunsWhere(undefined);
    },

    /** At start-up: the runs this node left unfinished when it stopped, however it stopped. */
    markRunsInterruptedByNode({ nodeId }: { nodeId: string }): Promise<InterruptedRun[]> {
      return interruptRunsWhere(eq(messages.ownerNode, nodeId));
    },

    /**
     * Runs whose node has shown no sign of life for staleAfterMs: that node is
     * gone for good. Rows without a heartbeat count from their last update.
     */
    markStaleRunsInterrupted(input: {
      staleAfterMs: number;
      exceptIds: string[];
    }): Promise<InterruptedRun[]> {
      const lastSign = sql`coalesce(${messages.heartbeatAt}, ${messages.updatedAt})`;
      const stale = sql`${lastSign} < now() - ${input.staleAfterMs} * interval '1 millisecond'`;
      const except = input.exceptIds.length > 0 ? notInArray(messages.id, input.exceptIds) : undefined;
      return interruptRunsWhere(and(stale, except));
    },
  };
}
