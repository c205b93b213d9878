import type { SendMessageResult } from "../protocol";
import { nameOf, userKeyOf } from "./lookup";
import { type AssistantEntry, newRun } from "./run";
import type { ChatAction, ChatState, UserEntry } from "./types";

type LocalEdit = Extract<ChatAction, { type: "local_edit" }>;

/**
 * An edit is a new user message beside the one it edits (same parent, same
 * files, same agents), made the leaf at once so it shows in its place while
 * the server stores it.
 */
export function applyLocalEdit(state: ChatState, edit: LocalEdit): ChatState {
  const original = state.entries.find(
    (entry): entry is UserEntry => entry.kind === "user" && entry.id === edit.messageId,
  );
  if (!original || state.entries.some((entry) => entry.key === edit.clientMessageId)) return state;
  const entry: UserEntry = {
    kind: "user",
    key: edit.clientMessageId,
    id: null,
    clientMessageId: edit.clientMessageId,
    text: edit.text,
    createdAt: edit.createdAt,
    sendState: "pending",
    sendError: null,
    agentIds: original.agentIds,
    mode: original.mode,
    ...(original.attachments?.length && { attachments: original.attachments }),
    parentId: original.parentId,
    editOf: { messageId: edit.messageId, leafBefore: state.activeLeafId },
  };
  return { ...state, entries: [...state.entries, entry], activeLeafId: entry.key };
}

/** A message the server did not take leaves the list; an edit gives back the branch it replaced. */
export function withdraw(state: ChatState, clientMessageId: string): ChatState {
  const gone = state.entries.find(
    (entry): entry is UserEntry =>
      entry.kind === "user" && entry.clientMessageId === clientMessageId && !entry.id,
  );
  if (!gone) return state;
  return {
    ...state,
    entries: state.entries.filter((entry) => entry !== gone),
    activeLeafId:
      gone.editOf && state.activeLeafId === gone.key ? gone.editOf.leafBefore : state.activeLeafId,
  };
}

/**
 * A regenerated answer stands beside the one it replaces (same parent, same
 * question) and becomes the leaf at once. Its answer_created may have come
 * first; then it is only placed.
 */
export function applyRegenerated(state: ChatState, messageId: string, result: SendMessageResult): ChatState {
  const ref = result.runs[0];
  if (!ref) return state;
  const original = state.entries.find(
    (entry): entry is AssistantEntry => entry.kind === "assistant" && entry.id === messageId,
  );
  const parentId = original?.parentId;
  const replyTo = original?.replyTo ?? userKeyOf(state.entries, result.userMessageId);
  const at = state.entries.findIndex((entry) => entry.kind === "assistant" && entry.id === ref.messageId);
  const existing = state.entries[at];
  const run: AssistantEntry =
    existing?.kind === "assistant"
      ? {
          ...existing,
          parentId: existing.parentId === undefined ? parentId : existing.parentId,
          replyTo: existing.replyTo ?? replyTo,
        }
      : newRun({
          id: ref.messageId,
          agentId: ref.agentId,
          agentName: nameOf(state, ref.agentId),
          replyTo,
          parentId,
        });
  const entries = at >= 0 ? state.entries.with(at, run) : [...state.entries, run];
  // Unplaced, it shows anyway; as the leaf it would hide the rest of the path.
  return { ...state, entries, activeLeafId: run.parentId === undefined ? state.activeLeafId : run.id };
}
