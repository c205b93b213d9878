import type { AnswerCreatedEvent } from "../protocol";
import { nameOf, userKeyOf } from "./lookup";
import {
  type AssistantEntry,
  applyComplete,
  applyError,
  applyStarted,
  applyStatus,
  newRun,
  parentOf,
  type RunPhase,
} from "./run";
import { applyReasoning, applyToolEvent, applyUpdate } from "./sequence";
import type { ChatState, ServerEvent, UserEntry } from "./types";

/** One room event; events of other conversations are ignored. */
export function applyServerEvent(state: ChatState, event: ServerEvent): ChatState {
  if (event.payload.conversationId !== state.conversationId) return state;
  switch (event.name) {
    case "message_created": {
      const { message } = event.payload;
      const at = state.entries.findIndex((entry) => entry.kind === "user" && entry.id === message.id);
      if (at >= 0) return place(state, at, message.parentId);
      const entry: UserEntry = {
        kind: "user",
        key: message.id,
        id: message.id,
        clientMessageId: null,
        text: message.text,
        createdAt: message.createdAt,
        sendState: "sent",
        sendError: null,
        agentIds: null,
        ...(message.attachments && { attachments: message.attachments }),
        ...(message.parentId !== undefined && { parentId: message.parentId }),
      };
      return { ...state, entries: [...state.entries, entry] };
    }
    case "agent_processing_started":
      return updateRun(state, event.payload, "thinking", (run) => applyStarted(run, event.payload));
    case "agent_processing_status": {
      const phase = event.payload.status === "queued" ? "queued" : "thinking";
      return updateRun(state, event.payload, phase, (run) => applyStatus(run, event.payload));
    }
    case "agent_processing_update":
      return updateRun(state, event.payload, "thinking", (run) => applyUpdate(run, event.payload));
    case "agent_processing_reasoning":
      return updateRun(state, event.payload, "thinking", (run) => applyReasoning(run, event.payload));
    case "agent_processing_tool":
      return updateRun(state, event.payload, "thinking", (run) => applyToolEvent(run, event.payload));
    case "agent_processing_complete":
      return updateRun(state, event.payload, "thinking", (run) => applyComplete(run, event.payload));
    case "agent_processing_error":
      return updateRun(state, event.payload, "thinking", (run) => applyError(run, event.payload));
    case "agent_message": {
      const { message } = event.payload;
      if (state.entries.some((entry) => entry.kind === "assistant" && entry.id === message.id)) return state;
      const run = newRun({
        id: message.id,
        agentId: message.agentId,
        agentName: nameOf(state, message.agentId),
        parent: parentOf(message),
      });
      const done: AssistantEntry = {
        ...run,
        phase: "complete",
        text: message.text,
        parts: message.parts,
        seq: null,
        progress: 1,
      };
      return { ...state, entries: [...state.entries, done] };
    }
    case "conversation_unavailable":
      // What was shown goes with the access, as it would on reloading the page.
      return { ...state, entries: [], unavailable: event.payload.reason };
    case "answer_created":
      return placeAnswer(state, event.payload.message);
    case "branch_switched":
      return { ...state, activeLeafId: event.payload.activeLeafId };
    case "message_removed":
      return remove(state, new Set(event.payload.messageIds));
  }
}

function updateRun(
  state: ChatState,
  ref: { messageId: string; agentId: string; parentMessageId?: string; parentToolCallId?: string },
  phaseIfNew: RunPhase,
  change: (run: AssistantEntry) => AssistantEntry,
): ChatState {
  const at = state.entries.findIndex((entry) => entry.kind === "assistant" && entry.id === ref.messageId);
  if (at < 0) {
    const run = newRun({
      id: ref.messageId,
      agentId: ref.agentId,
      agentName: nameOf(state, ref.agentId),
      phase: phaseIfNew,
      parent: parentOf(ref),
    });
    return { ...state, entries: [...state.entries, change(run)] };
  }
  const current = state.entries[at] as AssistantEntry;
  const next = change(current);
  if (next === current) return state;
  const entries = [...state.entries];
  entries[at] = next;
  return { ...state, entries };
}

/** Gives a message its place in the tree, once the server has said where. */
function place(state: ChatState, at: number, parentId: string | null | undefined): ChatState {
  const entry = state.entries[at];
  if (!entry || parentId === undefined || entry.parentId === parentId) return state;
  return { ...state, entries: state.entries.with(at, { ...entry, parentId }) };
}

/** A queued answer in its place: new, or one this tab knew from the send's ack or from its run's events. */
function placeAnswer(state: ChatState, message: AnswerCreatedEvent["message"]): ChatState {
  const replyTo = userKeyOf(state.entries, message.replyToId);
  const at = state.entries.findIndex((entry) => entry.kind === "assistant" && entry.id === message.id);
  const known = state.entries[at];
  if (known?.kind === "assistant") {
    const next = { ...known, parentId: message.parentId, replyTo: known.replyTo ?? replyTo };
    return { ...state, entries: state.entries.with(at, next) };
  }
  const run = newRun({
    id: message.id,
    agentId: message.agentId,
    agentName: nameOf(state, message.agentId),
    replyTo,
    parentId: message.parentId,
  });
  return { ...state, entries: [...state.entries, run] };
}

/**
 * Takes messages out as the server does: what followed them on their branch
 * now follows the message before them, which also becomes the leaf if the leaf went.
 */
function remove(state: ChatState, removed: ReadonlySet<string>): ChatState {
  const gone = state.entries.filter((entry) => entry.id && removed.has(entry.id));
  const anchor =
    gone.find((entry) => entry.parentId !== undefined && !(entry.parentId && removed.has(entry.parentId)))
      ?.parentId ?? null;
  const moved = (parentId: string | null | undefined) =>
    parentId && removed.has(parentId) ? anchor : parentId;
  return {
    ...state,
    entries: state.entries
      .filter((entry) => !gone.includes(entry))
      .map((entry) => (moved(entry.parentId) === entry.parentId ? entry : { ...entry, parentId: anchor })),
    activeLeafId: moved(state.activeLeafId),
  };
}
