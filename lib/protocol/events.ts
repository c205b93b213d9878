import { z } from "../zod";
import {
  agentIdsSchema,
  attachmentIdsSchema,
  type conversationSchema,
  finishReasonSchema,
  idSchema,
  limits,
  messageBodySchema,
  messagePartSchema,
  messageSchema,
  nestedRunFields,
  runErrorSchema,
  toolApprovalSchema,
  toolStateSchema,
  turnModeSchema,
  usageSchema,
  withTextOrFiles,
} from "./schemas";

/* ---------- client → server ---------- */

export const joinConversationSchema = z.union([
  z.object({ conversationId: idSchema }).strict(),
  z.object({ shareId: idSchema }).strict(),
]);
export type JoinConversationPayload = z.infer<typeof joinConversationSchema>;

export const leaveConversationSchema = z.object({ conversationId: idSchema });
export type LeaveConversationPayload = z.infer<typeof leaveConversationSchema>;

export const sendMessageSchema = z
  .object({
    conversationId: idSchema.optional(),
    text: messageBodySchema,
    agentIds: agentIdsSchema.optional(),
    mode: turnModeSchema.optional(),
    /** Files uploaded with POST /api/attachments, in the order the message shows them. */
    attachmentIds: attachmentIdsSchema.optional(),
    clientMessageId: idSchema,
  })
  .superRefine(withTextOrFiles);
export type SendMessagePayload = z.infer<typeof sendMessageSchema>;

export const cancelProcessingSchema = z.object({
  conversationId: idSchema,
  messageId: idSchema.optional(),
});
export type CancelProcessingPayload = z.infer<typeof cancelProcessingSchema>;

/** A new branch from a user message: a sibling of it with this text (and its files), answered anew. */
export const editMessageSchema = z.object({
  conversationId: idSchema,
  messageId: idSchema,
  text: messageBodySchema,
  clientMessageId: idSchema,
});
export type EditMessagePayload = z.infer<typeof editMessageSchema>;

/** A sibling of an answer: the same question answered again, by the same agent or another one. */
export const regenerateSchema = z.object({
  conversationId: idSchema,
  messageId: idSchema,
  agentId: idSchema.optional(),
  clientMessageId: idSchema,
});
export type RegeneratePayload = z.infer<typeof regenerateSchema>;

/** Makes the branch through this message the active one (owner only). */
export const switchBranchSchema = z.object({ conversationId: idSchema, messageId: idSchema });
export type SwitchBranchPayload = z.infer<typeof switchBranchSchema>;

/** Takes back a message whose answers have not started yet (it waits for the agents at work). */
export const removeMessageSchema = z.object({ conversationId: idSchema, messageId: idSchema });
export type RemoveMessagePayload = z.infer<typeof removeMessageSchema>;

/** The owner's answer to a tool call waiting for approval. */
export const approveToolCallSchema = z.object({
  conversationId: idSchema,
  messageId: idSchema,
  toolCallId: z.string().min(1).max(limits.idMax),
  approved: z.boolean(),
});
export type ApproveToolCallPayload = z.infer<typeof approveToolCallSchema>;

/* ---------- acknowledgements ---------- */

export const inProgressRunSchema = z.object({
  messageId: z.string(),
  agentId: z.string(),
  seq: z.number().int().nonnegative(),
  text: z.string(),
  /** Everything streamed so far, in order, up to `seq`. */
  parts: z.array(messagePartSchema),
  ...nestedRunFields,
});
export type InProgressRun = z.infer<typeof inProgressRunSchema>;

export const runRefSchema = z.object({ messageId: z.string(), agentId: z.string() });
export type RunRef = z.infer<typeof runRefSchema>;

export type AckError = { ok: false; error: { code: string; message: string; retryInMs?: number } };
export type Ack<T extends object = object> = ({ ok: true } & T) | AckError;

export type JoinConversationResult = {
  conversation: Pick<
    z.infer<typeof conversationSchema>,
    "id" | "title" | "visibility" | "messages" | "activeLeafId" | "otherBranches"
  >;
  inProgress: InProgressRun[];
};
/** For `regenerate`, `userMessageId` is the question the new answer replies to. */
export type SendMessageResult = { conversationId: string; userMessageId: string; runs: RunRef[] };
export type SwitchBranchResult = { activeLeafId: string };
export type CancelProcessingResult = { cancelled: string[] };
/** The message and its answers, all removed. */
export type RemoveMessageResult = { removed: string[] };

/* ---------- server → client ---------- */

export const messageCreatedSchema = z.object({
  conversationId: z.string(),
  message: messageSchema.pick({
    id: true,
    role: true,
    text: true,
    createdAt: true,
    attachments: true,
    parentId: true,
  }),
});
export type MessageCreatedEvent = z.infer<typeof messageCreatedSchema>;

/** An answer placed in the tree, before any of its run's events: queued, with its parent and question. */
export const answerCreatedSchema = z.object({
  conversationId: z.string(),
  message: z.object({
    id: z.string(),
    role: z.literal("assistant"),
    agentId: z.string(),
    parentId: z.string(),
    replyToId: z.string(),
    status: z.literal("queued"),
    createdAt: z.string(),
  }),
});
export type AnswerCreatedEvent = z.infer<typeof answerCreatedSchema>;

/** The conversation's active path now ends here: after every send, edit, regenerate and switch. */
export const branchSwitchedSchema = z.object({ conversationId: z.string(), activeLeafId: z.string() });
export type BranchSwitchedEvent = z.infer<typeof branchSwitchedSchema>;

export const agentProcessingStartedSchema = z.object({
  conversationId: z.string(),
  messageId: z.string(),
  agentId: z.string(),
  agentName: z.string(),
  model: z.string(),
  seq: z.literal(0),
  ts: z.number(),
  ...nestedRunFields,
});
export type AgentProcessingStartedEvent = z.infer<typeof agentProcessingStartedSchema>;

export const agentProcessingUpdateSchema = z.object({
  conversationId: z.string(),
  messageId: z.string(),
  agentId: z.string(),
  seq: z.number().int().positive(),
  delta: z.string(),
  textLength: z.number().int().nonnegative(),
  tokenCount: z.number().int().nonnegative(),
  progress: z.number().min(0).lt(1),
  etaMs: z.number().nonnegative(),
  ts: z.number(),
  ...nestedRunFields,
});
export type AgentProcessingUpdateEvent = z.infer<typeof agentProcessingUpdateSchema>;

export const agentProcessingCompleteSchema = z.object({
  conversationId: z.string(),
  messageId: z.string(),
  agentId: z.string(),
  seq: z.number().int().positive(),
  text: z.string(),
  finishReason: finishReasonSchema,
  parts: z.array(messagePartSchema),
  usage: usageSchema,
  timing: z.object({ firstTokenMs: z.number().nullable(), totalMs: z.number() }),
  ts: z.number(),
  ...nestedRunFields,
});
export type AgentProcessingCompleteEvent = z.infer<typeof agentProcessingCompleteSchema>;

export const agentProcessingErrorSchema = z.object({
  conversationId: z.string(),
  messageId: z.string(),
  agentId: z.string(),
  seq: z.number().int().positive(),
  error: runErrorSchema,
  partialText: z.string(),
  parts: z.array(messagePartSchema),
  ts: z.number(),
  ...nestedRunFields,
});
export type AgentProcessingErrorEvent = z.infer<typeof agentProcessingErrorSchema>;

/** A piece of the model's reasoning, as it streams; never part of the answer text. */
export const agentProcessingReasoningSchema = z.object({
  conversationId: z.string(),
  messageId: z.string(),
  agentId: z.string(),
  seq: z.number().int().positive(),
  delta: z.string(),
  /** As on updates: reasoning counts towards the answer's expected length, so the bar moves while the model thinks. */
  progress: z.number().min(0).lt(1).optional(),
  etaMs: z.number().nonnegative().optional(),
  ts: z.number(),
  ...nestedRunFields,
});
export type AgentProcessingReasoningEvent = z.infer<typeof agentProcessingReasoningSchema>;

/** A change in one tool call: its input streaming in, ready, its result or its error. */
export const agentProcessingToolSchema = z.object({
  conversationId: z.string(),
  messageId: z.string(),
  agentId: z.string(),
  seq: z.number().int().positive(),
  toolCallId: z.string(),
  toolName: z.string(),
  state: toolStateSchema,
  inputDelta: z.string().optional(),
  input: z.unknown().optional(),
  output: z.unknown().optional(),
  errorText: z.string().optional(),
  approval: toolApprovalSchema.optional(),
  progress: z.number().min(0).lt(1).optional(),
  etaMs: z.number().nonnegative().optional(),
  ts: z.number(),
  ...nestedRunFields,
});
export type AgentProcessingToolEvent = z.infer<typeof agentProcessingToolSchema>;

export const runStatusSchema = z.enum([
  "queued",
  "waiting_for_model",
  "rate_limited",
  "retrying",
  "simulating_stream",
]);
export type RunStatus = z.infer<typeof runStatusSchema>;

export const agentProcessingStatusSchema = z.object({
  conversationId: z.string(),
  messageId: z.string(),
  agentId: z.string(),
  status: runStatusSchema,
  detail: z.string(),
  attempt: z.number().int().positive().optional(),
  retryInMs: z.number().nonnegative().optional(),
  ts: z.number(),
  ...nestedRunFields,
});
export type AgentProcessingStatusEvent = z.infer<typeof agentProcessingStatusSchema>;

export const agentMessageSchema = z.object({
  conversationId: z.string(),
  message: z.object({
    id: z.string(),
    role: z.literal("assistant"),
    agentId: z.string(),
    text: z.string(),
    /** Reasoning, tool calls and text, as `agent_processing_complete` has them. */
    parts: z.array(messagePartSchema),
    createdAt: z.string(),
    ...nestedRunFields,
  }),
});
export type AgentMessageEvent = z.infer<typeof agentMessageSchema>;

export const unavailableReasonSchema = z.enum(["private", "deleted"]);
export type UnavailableReason = z.infer<typeof unavailableReasonSchema>;

/** The receiver may no longer read the conversation and has been taken out of its room. */
export const conversationUnavailableSchema = z.object({
  conversationId: z.string(),
  reason: unavailableReasonSchema,
});
export type ConversationUnavailableEvent = z.infer<typeof conversationUnavailableSchema>;

/** Messages taken out of the conversation: a user message withdrawn before its answers started, and those answers. */
export const messageRemovedSchema = z.object({
  conversationId: z.string(),
  messageIds: z.array(z.string()),
});
export type MessageRemovedEvent = z.infer<typeof messageRemovedSchema>;

/* ---------- Socket.IO typings ---------- */

export type AckCallback<T extends object = object> = (response: Ack<T>) => void;

export interface ClientToServerEvents {
  join_conversation: (payload: JoinConversationPayload, ack: AckCallback<JoinConversationResult>) => void;
  leave_conversation: (payload: LeaveConversationPayload, ack: AckCallback) => void;
  send_message: (payload: SendMessagePayload, ack: AckCallback<SendMessageResult>) => void;
  cancel_processing: (payload: CancelProcessingPayload, ack: AckCallback<CancelProcessingResult>) => void;
  remove_message: (payload: RemoveMessagePayload, ack: AckCallback<RemoveMessageResult>) => void;
  approve_tool_call: (payload: ApproveToolCallPayload, ack: AckCallback) => void;
  edit_message: (payload: EditMessagePayload, ack: AckCallback<SendMessageResult>) => void;
  regenerate: (payload: RegeneratePayload, ack: AckCallback<SendMessageResult>) => void;
  switch_branch: (payload: SwitchBranchPayload, ack: AckCallback<SwitchBranchResult>) => void;
}

export interface ServerToClientEvents {
  message_created: (event: MessageCreatedEvent) => void;
  agent_processing_started: (event: AgentProcessingStartedEvent) => void;
  agent_processing_update: (event: AgentProcessingUpdateEvent) => void;
  agent_processing_complete: (event: AgentProcessingCompleteEvent) => void;
  agent_processing_error: (event: AgentProcessingErrorEvent) => void;
  agent_processing_status: (event: AgentProcessingStatusEvent) => void;
  agent_processing_reasoning: (event: AgentProcessingReasoningEvent) => void;
  agent_processing_tool: (event: AgentProcessingToolEvent) => void;
  agent_message: (event: AgentMessageEvent) => void;
  conversation_unavailable: (event: ConversationUnavailableEvent) => void;
  message_removed: (event: MessageRemovedEvent) => void;
  answer_created: (event: AnswerCreatedEvent) => void;
  branch_switched: (event: BranchSwitchedEvent) => void;
}

export type RunQuery = { conversationId: string; messageId?: string };

/** What replicas ask each other through the adapter (REDIS_URL): about the runs each one executes. */
export interface InterServerEvents {
  runs_in_progress: (query: RunQuery, ack: (runs: InProgressRun[]) => void) => void;
  runs_cancel: (query: RunQuery, ack: (cancelled: string[]) => void) => void;
  runs_withdraw: (query: RunWithdrawal, ack: (withdrawn: string[]) => void) => void;
  /** Acked with [true] by the replica whose run was waiting for this answer, [] by the others. */
  runs_approve: (query: ApproveToolCallPayload, ack: (answered: true[]) => void) => void;
}

/** Runs to take out of their conversation's queue before they start. */
export type RunWithdrawal = { conversationId: string; messageIds: string[] };

export interface SocketData {
  userId: string;
  /** The share id each conversation was joined by; kept in a recovered session, checked again on recovery. */
  shares?: Record<string, string>;
}

export const serverEvents = [
  "message_created",
  "agent_processing_started",
  "agent_processing_update",
  "agent_processing_complete",
  "agent_processing_error",
  "agent_processing_status",
  "agent_processing_reasoning",
  "agent_processing_tool",
  "agent_message",
  "conversation_unavailable",
  "message_removed",
  "answer_created",
  "branch_switched",
] as const satisfies readonly (keyof ServerToClientEvents)[];

/** The schema of each server event, for whoever must check what arrives. */
export const serverEventSchemas = {
  message_created: messageCreatedSchema,
  agent_processing_started: agentProcessingStartedSchema,
  agent_processing_update: agentProcessingUpdateSchema,
  agent_processing_complete: agentProcessingCompleteSchema,
  agent_processing_error: agentProcessingErrorSchema,
  agent_processing_status: agentProcessingStatusSchema,
  agent_processing_reasoning: agentProcessingReasoningSchema,
  agent_processing_tool: agentProcessingToolSchema,
  agent_message: agentMessageSchema,
  conversation_unavailable: conversationUnavailableSchema,
  message_removed: messageRemovedSchema,
  answer_created: answerCreatedSchema,
  branch_switched: branchSwitchedSchema,
} as const satisfies Record<(typeof serverEvents)[number], z.ZodType>;

export const roomForConversation = (conversationId: string) => `conversation:${conversationId}`;

/** Every socket of one identity, so the owner can be spared when viewers lose access. */
export const roomForUser = (userId: string) => `user:${userId}`;
