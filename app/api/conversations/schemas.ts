import { z } from "zod";
import { type ExportFormat, exportFormats } from "@/lib/chat/export";
import { AppError } from "@/lib/errors";
import { type IdContext, idInPath } from "@/lib/http/route";
import {
  agentIdsSchema,
  attachmentIdsSchema,
  idSchema,
  messageBodySchema,
  titleSchema,
  turnModeSchema,
  visibilitySchema,
  withTextOrFiles,
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

export const postMessageSchema = z
  .object({
    text: messageBodySchema,
    agentIds: agentIdsSchema.optional(),
    mode: turnModeSchema.optional(),
    attachmentIds: attachmentIdsSchema.optional(),
    clientMessageId: idSchema.optional(),
  })
  .superRefine(withTextOrFiles);

export const cancelSchema = z.object({ messageId: idSchema.optional() });

export type ConversationContext = IdContext;

/** The conversation id in the URL, refused before any query when it could not be an id. */
export const conversationIdOf = (context: ConversationContext) => idInPath(context, "conversation");

/** `?format=`: md (the default) or json. */
export function exportFormatOf(request: Request): ExportFormat {
  const format = new URL(request.url).searchParams.get("format") ?? "md";
  const known = exportFormats.find((candidate) => candidate === format);
  if (!known) throw new AppError("bad_request:api", `Export as ${exportFormats.join(" or ")}.`);
  return known;
}

/** `?branches=all`: every branch of the conversation, not only the active path. */
export function allBranchesAsked(request: Request): boolean {
  const branches = new URL(request.url).searchParams.get("branches");
  if (branches === null) return false;
  if (branches !== "all") throw new AppError("bad_request:api", 'Ask for every branch with "branches=all".');
  return true;
}
