import type { PublicAgent } from "../agents/types";
import type {
  ApproveToolCallPayload,
  CancelProcessingResult,
  Conversation,
  ConversationSummary,
  EditMessagePayload,
  InProgressRun,
  JoinConversationResult,
  RegeneratePayload,
  RemoveMessageResult,
  SendMessagePayload,
  SendMessageResult,
  SwitchBranchPayload,
  SwitchBranchResult,
  UnavailableReason,
  Visibility,
} from "../protocol";

/** A conversation with its live runs, taken together so the texts and seqs agree. */
export type LiveConversation = Conversation & { inProgress: InProgressRun[] };

/**
 * The runs of a conversation wherever they execute: in this process and, with
 * several replicas, in the others.
 */
export interface RunDirectory {
  inProgress(conversationId: string): Promise<InProgressRun[]>;
  /** Cancels one run, or every run of the conversation; resolves with the ids it cancelled. */
  cancel(conversationId: string, messageId?: string): Promise<string[]>;
  /** Takes runs out of the queue before they start, all or none; resolves with the ids taken. */
  withdraw(conversationId: string, messageIds: string[]): Promise<string[]>;
  /** Answers a tool call waiting for approval; false when no such call waits anywhere. */
  approve(answer: ApproveToolCallPayload): Promise<boolean>;
}

export type OpenTarget = { conversationId: string } | { shareId: string };

export type ConversationWithShare = ConversationSummary & { shareUrl: string | null };

/**
 * Everything a user can do with conversations, used alike by route handlers,
 * Socket.IO handlers and server-rendered pages. Failures are AppErrors.
 */
export interface ChatService {
  listAgents(): PublicAgent[];
  listConversations(input: { userId: string }): Promise<ConversationSummary[]>;
  getConversation(input: { userId: string; conversationId: string }): Promise<LiveConversation>;
  getSharedConversation(input: { shareId: string }): Promise<LiveConversation>;
  createConversation(input: {
    userId: string;
    title?: string;
    agentIds?: string[];
  }): Promise<ConversationSummary>;
  updateConversation(input: {
    userId: string;
    conversationId: string;
    title?: string;
    visibility?: Visibility;
  }): Promise<ConversationWithShare>;
  deleteConversation(input: { userId: string; conversationId: string }): Promise<void>;
  /** The conversation and its messages for its owner to keep; not found for anyone else. */
  exportConversation(input: { userId: string; conversationId: string }): Promise<Conversation>;
  sendMessage(input: { userId: string } & SendMessagePayload): Promise<SendMessageResult>;
  /** A sibling of one of the owner's messages with new text (and the same files and agents), answered anew. */
  editMessage(input: { userId: string } & EditMessagePayload): Promise<SendMessageResult>;
  /** A sibling of an answer: its question answered again, by the same agent or another. */
  regenerate(input: { userId: string } & RegeneratePayload): Promise<SendMessageResult>;
  /** Makes the branch through this message the conversation's active one, for every viewer. */
  switchBranch(input: { userId: string } & SwitchBranchPayload): Promise<SwitchBranchResult>;
  cancel(input: {
    userId: string;
    conversationId: string;
    messageId?: string;
  }): Promise<CancelProcessingResult>;
  /** Takes back a message of the owner's whose answers have not started; refused once they have. */
  removeMessage(input: {
    userId: string;
    conversationId: string;
    messageId: string;
  }): Promise<RemoveMessageResult>;
  /** The owner's answer to a tool call waiting for approval, wherever its answer runs. */
  approveToolCall(input: { userId: string } & ApproveToolCallPayload): Promise<void>;
  /**
   * Checks access, subscribes (via the callback), and returns what a joining
   * client needs; unsubscribes again when access was revoked meanwhile.
   */
  openConversation(input: {
    userId: string;
    target: OpenTarget;
    subscribe(conversationId: string): void;
    unsubscribe(conversationId: string): void;
  }): Promise<JoinConversationResult>;
  /**
   * Why this user may no longer read the conversation, or null while they may:
   * as its owner, or through the share id they joined by while it is still the current one.
   */
  checkAccess(input: {
    userId: string;
    conversationId: string;
    shareId?: string;
  }): Promise<UnavailableReason | null>;
}
