import type { RunEvents } from "../agents/run";
import {
  type AgentMessageEvent,
  type AgentProcessingCompleteEvent,
  type AgentProcessingErrorEvent,
  type AgentProcessingReasoningEvent,
  type AgentProcessingStartedEvent,
  type AgentProcessingStatusEvent,
  type AgentProcessingToolEvent,
  type AgentProcessingUpdateEvent,
  type AnswerCreatedEvent,
  type BranchSwitchedEvent,
  type ConversationUnavailableEvent,
  type MessageCreatedEvent,
  type MessageRemovedEvent,
  roomForConversation,
  roomForUser,
} from "../protocol/events";
import type { RealtimeServer } from "./types";

const room = (io: RealtimeServer, conversationId: string) => io.to(roomForConversation(conversationId));

export function broadcastMessageCreated(io: RealtimeServer, event: MessageCreatedEvent): void {
  room(io, event.conversationId).emit("message_created", event);
}

export function broadcastAnswerCreated(io: RealtimeServer, event: AnswerCreatedEvent): void {
  room(io, event.conversationId).emit("answer_created", event);
}

export function broadcastBranchSwitched(io: RealtimeServer, event: BranchSwitchedEvent): void {
  room(io, event.conversationId).emit("branch_switched", event);
}

export function broadcastMessageRemoved(io: RealtimeServer, event: MessageRemovedEvent): void {
  room(io, event.conversationId).emit("message_removed", event);
}

export function broadcastAgentProcessingStarted(
  io: RealtimeServer,
  event: AgentProcessingStartedEvent,
): void {
  room(io, event.conversationId).emit("agent_processing_started", event);
}

export function broadcastAgentProcessingUpdate(io: RealtimeServer, event: AgentProcessingUpdateEvent): void {
  room(io, event.conversationId).emit("agent_processing_update", event);
}

export function broadcastAgentProcessingReasoning(
  io: RealtimeServer,
  event: AgentProcessingReasoningEvent,
): void {
  room(io, event.conversationId).emit("agent_processing_reasoning", event);
}

export function broadcastAgentProcessingTool(io: RealtimeServer, event: AgentProcessingToolEvent): void {
  room(io, event.conversationId).emit("agent_processing_tool", event);
}

export function broadcastAgentProcessingComplete(
  io: RealtimeServer,
  event: AgentProcessingCompleteEvent,
): void {
  room(io, event.conversationId).emit("agent_processing_complete", event);
}

export function broadcastAgentProcessingError(io: RealtimeServer, event: AgentProcessingErrorEvent): void {
  room(io, event.conversationId).emit("agent_processing_error", event);
}

export function broadcastAgentProcessingStatus(io: RealtimeServer, event: AgentProcessingStatusEvent): void {
  room(io, event.conversationId).emit("agent_processing_status", event);
}

export function broadcastAgentMessage(io: RealtimeServer, event: AgentMessageEvent): void {
  room(io, event.conversationId).emit("agent_message", event);
}

/**
 * Tells the sockets in the conversation's room that they lost it, then takes
 * them out, on every replica through the adapter; the owner's sockets stay when
 * the conversation only became private.
 */
export function revokeConversationAccess(
  io: RealtimeServer,
  event: ConversationUnavailableEvent & { ownerId: string },
): void {
  const { conversationId, ownerId, reason } = event;
  const conversationRoom = roomForConversation(conversationId);
  const spared = reason === "deleted" ? [] : [roomForUser(ownerId)];
  io.to(conversationRoom).except(spared).emit("conversation_unavailable", { conversationId, reason });
  io.in(conversationRoom).except(spared).socketsLeave(conversationRoom);
}

/** Sends every event of a run to everyone watching its conversation. */
export function createRunBroadcaster(io: RealtimeServer): RunEvents {
  return {
    started: (event) => broadcastAgentProcessingStarted(io, event),
    update: (event) => broadcastAgentProcessingUpdate(io, event),
    reasoning: (event) => broadcastAgentProcessingReasoning(io, event),
    tool: (event) => broadcastAgentProcessingTool(io, event),
    complete: (event) => broadcastAgentProcessingComplete(io, event),
    error: (event) => broadcastAgentProcessingError(io, event),
    status: (event) => broadcastAgentProcessingStatus(io, event),
    message: (event) => broadcastAgentMessage(io, event),
  };
}
