import { and, asc, eq, inArray, isNull, lt, sql } from "drizzle-orm";
import type { Database } from "../client";
import { type AttachmentRow, attachments, conversations, messageAttachments, users } from "../schema";

/** What a message shows of a file: never its bytes. */
export type AttachmentInfo = Pick<AttachmentRow, "id" | "name" | "contentType" | "size">;

/** A file of a message, in the message's order. */
export type MessageAttachment = AttachmentInfo & { messageId: string };

/** A file of a message with what the model is sent of it. */
export type AttachmentContent = MessageAttachment & Pick<AttachmentRow, "content" | "text">;

/** Who may read a file: its uploader while unsent, then its conversation's owner and share. */
export type AttachmentAccess = AttachmentInfo &
  Pick<AttachmentRow, "ownerId" | "conversationId"> & {
    conversationOwnerId: string | null;
    shareId: string | null;
  };

/** Files by the message that carries them, each message's in its order. */
export function groupByMessage<T extends { messageId: string }>(files: readonly T[]): Map<string, T[]> {
  const byMessage = new Map<string, T[]>();
  for (const file of files) {
    const list = byMessage.get(file.messageId);
    if (list) list.push(file);
    else byMessage.set(file.messageId, [file]);
  }
  return byMessage;
}

/**
 * Bytes cross to the database as base64 text, turned into bytea there:
 * PGlite (de)serialises a bytea parameter byte by byte in JavaScript, on the
 * main thread (about 3 s for 10 MB in, 4 s out), base64 in a tenth of that.
 */
const contentIn = (bytes: Uint8Array) =>
  sql`decode(${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64")}, 'base64')`;

// PostgreSQL breaks the base64 into lines, which Buffer.from skips.
const contentOut = () =>
  sql`encode(${attachments.content}, 'base64')`.mapWith((text: string) => Buffer.from(text, "base64"));

const info = {
  id: attachments.id,
  name: attachments.name,
  contentType: attachments.contentType,
  size: attachments.size,
};

export function attachmentQueries(db: Database) {
  return {
    async createAttachment(input: {
      id: string;
      ownerId: string;
      name: string;
      contentType: string;
      content: Uint8Array;
      text: string | null;
    }): Promise<AttachmentInfo> {
      return db.transaction(async (tx) => {
        await tx.insert(users).values({ id: input.ownerId }).onConflictDoNothing();
        const [row] = await tx
          .insert(attachments)
          .values({ ...input, content: contentIn(input.content), size: input.content.byteLength })
          .returning(info);
        if (!row) throw new Error("insert returned no attachment");
        return row;
      });
    },

    async countUnsentAttachmentsByOwnerId({ ownerId }: { ownerId: string }): Promise<number> {
      const [row] = await db
        .select({ count: sql<number>`count(*)::int` })
        .from(attachments)
        .where(and(eq(attachments.ownerId, ownerId), isNull(attachments.conversationId)));
      return Number(row?.count ?? 0);
    },

    /** Files their uploader never sent, uploaded before `before`. */
    async deleteUnsentAttachmentsByOwnerId({ ownerId, before }: { ownerId: string; before: Date }) {
      await db
        .delete(attachments)
        .where(
          and(
            eq(attachments.ownerId, ownerId),
            isNull(attachments.conversationId),
            lt(attachments.createdAt, before),
          ),
        );
    },

    /** An unsent file, by its uploader; false when there is no such file. */
    async deleteUnsentAttachment({ id, ownerId }: { id: string; ownerId: string }): Promise<boolean> {
      const rows = await db
        .delete(attachments)
        .where(
          and(eq(attachments.id, id), eq(attachments.ownerId, ownerId), isNull(attachments.conversationId)),
        )
        .returning({ id: attachments.id });
      return rows.length > 0;
    },

    async getAttachmentAccessById({ id }: { id: string }): Promise<AttachmentAccess | undefined> {
      const [row] = await db
        .select({
          ...info,
          ownerId: attachments.ownerId,
          conversationId: attachments.conversationId,
          conversationOwnerId: conversations.ownerId,
          // A share id counts only while the conversation is public.
          shareId: sql<
            string | null
          >`case when ${conversations.visibility} = 'public' then ${conversations.shareId} end`,
        })
        .from(attachments)
        .leftJoin(conversations, eq(conversations.id, attachments.conversationId))
        .where(eq(attachments.id, id));
      return row;
    },

    async getAttachmentContentById({ id }: { id: string }): Promise<Uint8Array | undefined> {
      const [row] = await db
        .select({ content: contentOut() })
        .from(attachments)
        .where(eq(attachments.id, id));
      return row?.content;
    },

    /** The files named, for checking before they go with a message. */
    listAttachmentsByIds({
      ids,
    }: {
      ids: readonly string[];
    }): Promise<Array<AttachmentInfo & Pick<AttachmentRow, "ownerId" | "conversationId">>> {
      if (ids.length === 0) return Promise.resolve([]);
      return db
        .select({ ...info, ownerId: attachments.ownerId, conversationId: attachments.conversationId })
        .from(attachments)
        .where(inArray(attachments.id, [...new Set(ids)]));
    },

    /** Every file the messages of a conversation carry, in each message's order. */
    listMessageAttachmentsByConversationId({
      conversationId,
    }: {
      conversationId: string;
    }): Promise<MessageAttachment[]> {
      return db
        .select({ ...info, messageId: messageAttachments.messageId })
        .from(messageAttachments)
        .innerJoin(attachments, eq(attachments.id, messageAttachments.attachmentId))
        .where(eq(attachments.conversationId, conversationId))
        .orderBy(asc(messageAttachments.messageId), asc(messageAttachments.position));
    },

    /** The files of these conversations' messages with their contents, for the model: one query for all. */
    async listAttachmentContentsByConversationIds(
      ids: readonly string[],
    ): Promise<Array<AttachmentContent & { conversationId: string }>> {
      if (ids.length === 0) return [];
      const rows = await db
        .select({
          ...info,
          messageId: messageAttachments.messageId,
          conversationId: sql<string>`${attachments.conversationId}`,
          content: contentOut(),
          text: attachments.text,
        })
        .from(messageAttachments)
        .innerJoin(attachments, eq(attachments.id, messageAttachments.attachmentId))
        .where(inArray(attachments.conversationId, [...new Set(ids)]))
        .orderBy(asc(messageAttachments.messageId), asc(messageAttachments.position));
      return rows;
    },
  };
}
