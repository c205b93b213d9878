import { and, desc, eq } from "drizzle-orm";
import type { Visibility } from "../../protocol/schemas";
import type { Database } from "../client";
import { type ConversationRow, conversations, users } from "../schema";

export function conversationQueries(db: Database) {
  return {
    async createConversation(input: {
      id: string;
      ownerId: string;
      title: string;
      agentIds: string[];
    }): Promise<ConversationRow> {
      return db.transaction(async (tx) => {
        await tx.insert(users).values({ id: input.ownerId }).onConflictDoNothing();
        const [row] = await tx.insert(conversations).values(input).returning();
        if (!row) throw new Error("insert returned no conversation");
        return row;
      });
    },

    async getConversationById({ id }: { id: string }): Promise<ConversationRow | undefined> {
      const [row] = await db.select().from(conversations).where(eq(conversations.id, id));
      return row;
    },

    async getConversationByShareId({ shareId }: { shareId: string }): Promise<ConversationRow | undefined> {
      const [row] = await db
        .select()
        .from(conversations)
        .where(and(eq(conversations.shareId, shareId), eq(conversations.visibility, "public")));
      return row;
    },

    listConversationsByOwnerId({ ownerId }: { ownerId: string }): Promise<ConversationRow[]> {
      return db
        .select()
        .from(conversations)
        .where(eq(conversations.ownerId, ownerId))
        .orderBy(desc(conversations.updatedAt), desc(conversations.createdAt));
    },

    async updateConversationById(input: {
      id: string;
      title?: string;
      visibility?: Visibility;
      shareId?: string | null;
    }): Promise<ConversationRow | undefined> {
      const { id, ...changes } = input;
      const [row] = await db
        .update(conversations)
        .set({ ...changes, updatedAt: new Date() })
        .where(eq(conversations.id, id))
        .returning();
      return row;
    },

    /** Deletes the conversation; its messages go with it (ON DELETE CASCADE). */
    async deleteConversationById({ id }: { id: string }): Promise<boolean> {
      const rows = await db
        .delete(conversations)
        .where(eq(conversations.id, id))
        .returning({ id: conversations.id });
      return rows.length > 0;
    },
  };
}
