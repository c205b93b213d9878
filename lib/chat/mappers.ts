import type { ConversationRow, MessageRow } from "../db/schema";
import type { Attachment, ConversationSummary, InProgressRun, Message, MessagePart } from "../protocol";
import { partsOfText } from "../protocol/parts";

export function toConversationSummary(row: ConversationRow): ConversationSummary {
  return {
    id: row.id,
    title: row.title,
    visibility: row.visibility,
    shareId: row.visibility === "public" ? row.shareId : null,
    agentIds: row.agentIds,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/**
 * A stored message as the browser sees it, with the live text and parts of a
 * run still streaming. Every answer has parts: one stored before parts existed
 * gets its text as its one part.
 */
export function toMessage(row: MessageRow, live?: InProgressRun, attachments?: Attachment[]): Message {
  const streaming = live !== undefined && row.status === "streaming";
  const text = streaming ? live.text : row.text;
  return {
    id: row.id,
    role: row.role,
    agentId: row.agentId,
    text,
    status: row.status,
    createdAt: row.createdAt.toISOString(),
    error: row.error ?? null,
    parentId: row.parentId,
    ...(row.role === "assistant" && {
      parts: partsOfMessage(row, streaming ? live : undefined),
      replyToId: row.replyToId,
    }),
    ...(attachments && attachments.length > 0 && { attachments }),
    ...(row.parentMessageId && {
      parentMessageId: row.parentMessageId,
      parentToolCallId: row.parentToolCallId ?? undefined,
    }),
  };
}

function partsOfMessage(row: MessageRow, live: InProgressRun | undefined): MessagePart[] {
  if (live) return live.parts;
  return row.parts ?? partsOfText(row.text);
}

const TITLE_LENGTH = 60;

/**
 * A conversation's first title: the first line of its first message,
 * shortened on a word boundary; for a message of files alone, the first file's name.
 */
export function titleFromText(text: string, fileName?: string): string {
  const line = text.trim().split("\n")[0]?.trim() || fileName || "";
  if (line.length <= TITLE_LENGTH) return line || "New chat";
  const cut = line.slice(0, TITLE_LENGTH);
  const space = cut.lastIndexOf(" ");
  return `${(space > 30 ? cut.slice(0, space) : cut).trimEnd()}…`;
}
