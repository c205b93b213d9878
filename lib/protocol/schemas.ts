import { z } from "../zod";

/** Limits shared by the browser (to refuse early) and the server (to enforce). */
export const limits = {
  messageTextMax: 32_000,
  titleMax: 200,
  agentsPerMessageMax: 8,
  attachmentsPerMessageMax: 8,
  idMax: 128,
} as const;

// Ids become keys in the database and appear in logs: printable characters only, no spaces.
const PRINTABLE_ID = /^[^\p{C}\p{Z}]+$/u;
// PostgreSQL refuses NUL in text, and no other control character belongs in what people write.
const CONTROL_CHARACTER = /[^\P{Cc}\t\n\r]/u;

export const idSchema = z
  .string()
  .min(1)
  .max(limits.idMax)
  .regex(PRINTABLE_ID, "An id may hold only printable characters, without spaces");

export const messageRoleSchema = z.enum(["user", "assistant"]);
export type MessageRole = z.infer<typeof messageRoleSchema>;

export const messageStatusSchema = z.enum([
  "queued",
  "streaming",
  "complete",
  "cancelled",
  "error",
  "interrupted",
]);
export type MessageStatus = z.infer<typeof messageStatusSchema>;

export const visibilitySchema = z.enum(["private", "public"]);
export type Visibility = z.infer<typeof visibilitySchema>;

export const finishReasonSchema = z.enum(["stop", "length", "cancelled"]);
export type FinishReason = z.infer<typeof finishReasonSchema>;

export const usageSchema = z.object({
  inputTokens: z.number().int().nonnegative().optional(),
  outputTokens: z.number().int().nonnegative().optional(),
  totalTokens: z.number().int().nonnegative().optional(),
});
export type Usage = z.infer<typeof usageSchema>;

export const errorInfoSchema = z.object({
  code: z.string(),
  message: z.string(),
});
export type ErrorInfo = z.infer<typeof errorInfoSchema>;

export const runErrorSchema = errorInfoSchema.extend({ retryable: z.boolean() });
export type RunError = z.infer<typeof runErrorSchema>;

export const toolStateSchema = z.enum([
  "input-streaming",
  "input-available",
  "approval-requested",
  "output-available",
  "output-error",
]);
export type ToolState = z.infer<typeof toolStateSchema>;

/**
 * Where a call that needs the owner's approval stands: asked, then approved,
 * denied by the owner, or expired unanswered (TOOL_APPROVAL_TIMEOUT_MS). A
 * denied or expired call never runs; the model reads why as its result.
 */
export const toolApprovalSchema = z.enum(["requested", "approved", "denied", "expired"]);
export type ToolApproval = z.infer<typeof toolApprovalSchema>;

/**
 * A run another agent started through `ask_agent`: the answer that asked, and
 * the call it asked with. Absent on every other run.
 */
export const nestedRunFields = {
  parentMessageId: z.string().optional(),
  parentToolCallId: z.string().optional(),
};

/** One piece of an assistant message, in order of appearance. */
export const messagePartSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("reasoning"), text: z.string() }),
  z.object({
    type: z.literal("tool"),
    toolCallId: z.string(),
    toolName: z.string(),
    state: toolStateSchema,
    input: z.unknown(),
    output: z.unknown().optional(),
    errorText: z.string().optional(),
    approval: toolApprovalSchema.optional(),
  }),
  z.object({ type: z.literal("text"), text: z.string() }),
]);
export type MessagePart = z.infer<typeof messagePartSchema>;

/** A file a user message carries, as every client sees it; its bytes are at GET /api/attachments/:id. */
export const attachmentSchema = z.object({
  id: z.string(),
  name: z.string(),
  contentType: z.string(),
  size: z.number().int().nonnegative(),
});
export type Attachment = z.infer<typeof attachmentSchema>;

export const messageSchema = z.object({
  id: z.string(),
  role: messageRoleSchema,
  agentId: z.string().nullable().optional(),
  text: z.string(),
  status: messageStatusSchema,
  createdAt: z.string(),
  error: errorInfoSchema.nullable().optional(),
  /** An assistant message's reasoning, tool calls and text, in order; absent on user messages. */
  parts: z.array(messagePartSchema).optional(),
  /** The files a user message carries, in order; absent when it carries none. */
  attachments: z.array(attachmentSchema).optional(),
  /**
   * The message before this one on its branch; null for the first message
   * (and for an answer another agent asked for, shown inside its asker).
   * Every message the server sends has it; absent means not known.
   */
  parentId: z.string().nullable().optional(),
  /** An answer's question: the user message it answers. */
  replyToId: z.string().nullable().optional(),
  ...nestedRunFields,
});
/** A stored message as the browser sees it. */
export type Message = z.infer<typeof messageSchema>;

export const conversationSummarySchema = z.object({
  id: z.string(),
  title: z.string(),
  visibility: visibilitySchema,
  shareId: z.string().nullable(),
  agentIds: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ConversationSummary = z.infer<typeof conversationSummarySchema>;

export const conversationSchema = conversationSummarySchema.extend({
  /** The active path, root to leaf, in order: what is shown and sent upstream. */
  messages: z.array(messageSchema),
  /** The last message of the active path; null while there is none; absent means not known. */
  activeLeafId: z.string().nullable().optional(),
  /** Every message of the other branches, in the order they were written; absent where not asked for. */
  otherBranches: z.array(messageSchema).optional(),
});
export type Conversation = z.infer<typeof conversationSchema>;

/** What a message may say; empty only when it carries files (see withTextOrFiles). */
export const messageBodySchema = z
  .string()
  .max(limits.messageTextMax, `A message may hold at most ${limits.messageTextMax} characters`)
  .refine((text) => !CONTROL_CHARACTER.test(text), "A message may not contain control characters");

const NEEDS_TEXT = "A message needs some text";

export const messageTextSchema = messageBodySchema.refine((text) => text.trim().length > 0, NEEDS_TEXT);

export const attachmentIdsSchema = z
  .array(idSchema)
  .max(
    limits.attachmentsPerMessageMax,
    `A message may carry at most ${limits.attachmentsPerMessageMax} files`,
  )
  .refine((ids) => new Set(ids).size === ids.length, "A file may be attached only once");

/** A message's text may be empty when it carries files: a picture can be the whole question. */
export function withTextOrFiles<T extends { text: string; attachmentIds?: string[] }>(
  message: T,
  ctx: z.RefinementCtx,
): void {
  if (message.text.trim().length > 0 || (message.attachmentIds?.length ?? 0) > 0) return;
  ctx.addIssue({ code: "custom", path: ["text"], message: NEEDS_TEXT });
}

export const agentIdsSchema = z.array(idSchema).min(1).max(limits.agentsPerMessageMax);

/**
 * How the answers asked for by one message run: one after another, each agent
 * seeing the answers before its own (the default), or all at once.
 */
export const turnModeSchema = z.enum(["sequential", "parallel"]);
export type TurnMode = z.infer<typeof turnModeSchema>;

export const titleSchema = z
  .string()
  .trim()
  .min(1)
  .max(limits.titleMax)
  .refine((title) => !CONTROL_CHARACTER.test(title), "A title may not contain control characters");
