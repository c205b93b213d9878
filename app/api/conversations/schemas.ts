import { z } from "zod";
import { AppError } from "@/lib/errors";
import {
  agentIdsSchema,
  idSchema,
  messageTextSchema,
  titleSchema,
  turnModeSchema,
  visibilitySchema,
} from "@/lib/protocol";

export const createConversationSchema = z.object({
  title: titleSchema.optional(),
  agentIds: agentIdsSchema.optional(),
});

export const updateConversationSchema = z
  .object({ title: titleSchema.optional(), visibility: visibilitySchema.optional() })
  .refine(
    (body) => body.title !== undefined || body.visibility !== undefined,
    "Give a title or a visibility",
  );

export const postMessageSchema = z.object({
  text: messageTextSchema,
  agentIds: agentIdsSchema.optional(),
  mode: turnModeSchema.optional(),
  clientMessageId: idSchema.optional(),
});

export const cancelSchema = z.object({ messageId: idSchema.optional() });

export type ConversationContext = { params: Promise<{ id: string }> };

/** The conversation id in the URL, refused before any query when it could not be an id. */
export async function conversationIdOf({ params }: ConversationContext): Promise<string> {
  const parsed = idSchema.safeParse((await params).id);
  if (!parsed.success)
    throw new AppError("bad_request:api", "The conversation id in the address is not valid.");
  return parsed.data;
}
