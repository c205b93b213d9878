import { and, desc, eq, notInArray, sql } from "drizzle-orm";
import type { MessageRole } from "../../protocol/schemas";
import type { Database } from "../client";
import { conversations, messages } from "../schema";

/** One message that matched a search, with the conversation it belongs to. */
export type MessageMatch = {
  conversationId: string;
  title: string;
  messageId: string;
  role: MessageRole;
  agentId: string | null;
  text: string;
  createdAt: Date;
};

/** The pattern matching `query` anywhere, its LIKE wildcards (and the escape character) taken literally. */
export function containsPattern(query: string): string {
  return `%${query.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

export function searchQueries(db: Database) {
  return {
    /**
     * The newest messages containing `query` (case-insensitive) in the
     * conversations this owner owns, and no one else's; answers still being
     * written are left out.
     */
    searchMessagesByOwnerId(input: {
      ownerId: string;
      query: string;
      limit: number;
    }): Promise<MessageMatch[]> {
      return db
        .select({
          conversationId: conversations.id,
          title: conversations.title,
          messageId: messages.id,
          role: messages.role,
          agentId: messages.agentId,
          text: messages.text,
          createdAt: messages.createdAt,
        })
        .from(messages)
        .innerJoin(conversations, eq(conversations.id, messages.conversationId))
        .where(
          and(
            eq(conversations.ownerId, input.ownerId),
            notInArray(messages.status, ["queued", "streaming"]),
            sql`${messages.text} ilike ${containsPattern(input.query)} escape '\\'`,
          ),
        )
        .orderBy(desc(messages.position))
        .limit(input.limit);
    },
  };
}
