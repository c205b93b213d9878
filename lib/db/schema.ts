import { sql } from "drizzle-orm";
import {
  bigserial,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import type {
  ErrorInfo,
  FinishReason,
  MessagePart,
  MessageRole,
  MessageStatus,
  Usage,
  Visibility,
} from "../protocol/schemas";

const createdAt = () => timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();
const updatedAt = () => timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();

export const users = pgTable("users", {
  id: text("id").primaryKey(),
  createdAt: createdAt(),
});
export type UserRow = typeof users.$inferSelect;

export const conversations = pgTable(
  "conversations",
  {
    id: text("id").primaryKey(),
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    visibility: text("visibility").$type<Visibility>().notNull().default("private"),
    shareId: text("share_id").unique(),
    agentIds: jsonb("agent_ids").$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    /**
     * The last message of the branch shown and sent upstream: the active path
     * runs from it up through each message's parent. Null before the first message.
     */
    activeLeafId: text("active_leaf_id"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [index("conversations_owner_updated_idx").on(table.ownerId, table.updatedAt)],
);
export type ConversationRow = typeof conversations.$inferSelect;

export const messages = pgTable(
  "messages",
  {
    id: text("id").primaryKey(),
    /** Insertion order; rows written in one transaction share created_at. */
    position: bigserial("position", { mode: "number" }).notNull(),
    conversationId: text("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    role: text("role").$type<MessageRole>().notNull(),
    /** The user who wrote a user message; idempotent sends are keyed on it. */
    authorId: text("author_id"),
    clientMessageId: text("client_message_id"),
    /**
     * The message before this one on its branch (null for the first): a
     * conversation is a tree. An edit is a sibling of the message it edits, a
     * regenerated answer a sibling of the answer; an answer asked for by
     * another agent (`parentMessageId`) is not in the tree and has none.
     */
    parentId: text("parent_id"),
    /** For an agent's answer: the user message it answers. */
    replyToId: text("reply_to_id"),
    agentId: text("agent_id"),
    /** For an answer another agent asked for (`ask_agent`): the answer that asked, and its call. */
    parentMessageId: text("parent_message_id"),
    parentToolCallId: text("parent_tool_call_id"),
    model: text("model"),
    text: text("text").notNull().default(""),
    status: text("status").$type<MessageStatus>().notNull(),
    finishReason: text("finish_reason").$type<FinishReason>(),
    error: jsonb("error").$type<ErrorInfo>(),
    usage: jsonb("usage").$type<Usage>(),
    /**
     * An answer's reasoning and text in order of appearance, as streamed; null
     * on user messages and on answers stored before parts existed.
     */
    parts: jsonb("parts").$type<MessagePart[]>(),
    /**
     * For an answer: the seq of the last update whose text is stored. Checkpoints
     * only move it forward, so a late one never replaces newer text.
     */
    seq: integer("seq"),
    /** The node running this answer while it is queued or streaming (see lib/node-id.ts). */
    ownerNode: text("owner_node"),
    /** Last sign of life from the owner node; a stale one means the node is gone. */
    heartbeatAt: timestamp("heartbeat_at", { withTimezone: true, mode: "date" }),
    firstTokenMs: integer("first_token_ms"),
    totalMs: integer("total_ms"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    index("messages_conversation_position_idx").on(table.conversationId, table.position),
    uniqueIndex("messages_author_client_message_idx").on(table.authorId, table.clientMessageId),
    index("messages_reply_to_idx").on(table.replyToId),
    index("messages_parent_idx").on(table.parentId),
    index("messages_status_idx").on(table.status),
  ],
);
export type MessageRow = typeof messages.$inferSelect;
export type NewMessageRow = typeof messages.$inferInsert;

/** Raw bytes: node-postgres reads them as a Buffer, PGlite as a Uint8Array. */
const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({ dataType: () => "bytea" });

/**
 * A file uploaded for a message. Until a message carries it, it belongs to its
 * uploader alone (no conversation); sent, it belongs to the conversation and
 * goes with it.
 */
export const attachments = pgTable(
  "attachments",
  {
    id: text("id").primaryKey(),
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    conversationId: text("conversation_id").references(() => conversations.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** As the bytes say (see lib/attachments/sniff.ts), never as the upload claimed. */
    contentType: text("content_type").notNull(),
    size: integer("size").notNull(),
    content: bytea("content").notNull(),
    /** A PDF's text, read once at upload; null for every other kind. */
    text: text("text"),
    createdAt: createdAt(),
  },
  (table) => [
    index("attachments_conversation_idx").on(table.conversationId),
    index("attachments_owner_unsent_idx")
      .on(table.ownerId, table.createdAt)
      .where(sql`conversation_id is null`),
  ],
);
export type AttachmentRow = typeof attachments.$inferSelect;
export type NewAttachmentRow = typeof attachments.$inferInsert;

/** Which files a user message carries, in the order they were given; a file may go with several messages of its conversation. */
export const messageAttachments = pgTable(
  "message_attachments",
  {
    messageId: text("message_id")
      .notNull()
      .references(() => messages.id, { onDelete: "cascade" }),
    attachmentId: text("attachment_id")
      .notNull()
      .references(() => attachments.id, { onDelete: "cascade" }),
    position: integer("position").notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.messageId, table.attachmentId] }),
    index("message_attachments_attachment_idx").on(table.attachmentId),
  ],
);
export type MessageAttachmentRow = typeof messageAttachments.$inferSelect;
