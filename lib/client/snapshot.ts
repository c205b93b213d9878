import type { InProgressRun, JoinConversationResult, Message } from "../protocol";
import { partsOfText } from "../protocol/parts";
import { nameOf, userKeyOf } from "./lookup";
import { keepTimings } from "./parts";
import { type AssistantEntry, isRetryableCode, isTerminal, newRun, parentOf, type RunPhase } from "./run";
import type { ChatEntry, ChatState, UserEntry } from "./types";

function runFromStored(state: ChatState, message: Message, live: InProgressRun | undefined): AssistantEntry {
  const agentId = message.agentId ?? "";
  const run = newRun({
    id: message.id,
    agentId,
    agentName: nameOf(state, agentId),
    parent: parentOf(message),
  });
  const phaseByStatus: Record<Message["status"], RunPhase> = {
    queued: "queued",
    streaming: "streaming",
    complete: "complete",
    cancelled: "cancelled",
    error: "error",
    interrupted: "interrupted",
  };
  const phase = phaseByStatus[message.status];
  if (!isTerminal(phase)) {
    const text = live?.text ?? message.text;
    const parts = live?.parts ?? message.parts ?? partsOfText(text);
    // Without an in-progress entry we cannot know which seq the stored text reaches.
    const seq = live ? live.seq : phase === "queued" && text === "" && parts.length === 0 ? 0 : null;
    const begun = parts.length > 0 || text !== "";
    const queued = !begun && phase === "queued";
    return {
      ...run,
      phase: begun ? "streaming" : queued ? "queued" : "thinking",
      text,
      parts,
      seq,
      // Stored as queued: it waits for its turn, as a live "queued" status would have said.
      ...(queued && {
        waiting: { status: "queued", detail: "", retryInMs: null, at: Date.parse(message.createdAt) },
      }),
    };
  }
  return {
    ...run,
    phase,
    text: message.text,
    parts: message.parts ?? partsOfText(message.text),
    seq: null,
    progress: phase === "complete" ? 1 : 0,
    error: message.error ?? null,
    retryable: (phase === "error" || phase === "interrupted") && isRetryableCode(message.error?.code),
    finishReason: phase === "cancelled" ? "cancelled" : phase === "complete" ? "stop" : null,
  };
}

/** Keeps whichever of the local and the snapshot view of a run is further along. */
function newerRun(local: AssistantEntry | undefined, fromSnapshot: AssistantEntry): AssistantEntry {
  if (!local) return fromSnapshot;
  const merged = {
    ...fromSnapshot,
    agentName: local.agentName,
    model: local.model,
    replyTo: local.replyTo,
    partTimes: keepTimings(local.partTimes, fromSnapshot.parts),
  };
  if (isTerminal(local.phase)) return local;
  if (isTerminal(fromSnapshot.phase)) return { ...local, ...merged, live: local.live };
  if ((local.seq ?? -1) >= (fromSnapshot.seq ?? -1) && local.text.length >= fromSnapshot.text.length)
    return local;
  return { ...local, ...merged, pending: {}, waiting: local.waiting, live: local.live };
}

/**
 * The whole tree in the order written: the active path and the other branches
 * are each in that order, and a message is never older than its parent, so
 * merging the two by time keeps parents before children and siblings in the
 * order the switcher counts them.
 */
function inOrderWritten(snapshot: JoinConversationResult): Message[] {
  const { messages, otherBranches = [] } = snapshot.conversation;
  const merged: Message[] = [];
  let i = 0;
  let j = 0;
  while (i < messages.length || j < otherBranches.length) {
    const path = messages[i];
    const other = otherBranches[j];
    // Ties (and unreadable times) go to the path: a parent there may share a child's millisecond.
    if (other && (!path || Date.parse(other.createdAt) < Date.parse(path.createdAt))) {
      merged.push(other);
      j += 1;
    } else if (path) {
      merged.push(path);
      i += 1;
    }
  }
  return merged;
}

function userFromStored(message: Message, local: UserEntry | undefined): UserEntry {
  return {
    kind: "user",
    key: local?.key ?? message.id,
    id: message.id,
    clientMessageId: local?.clientMessageId ?? null,
    text: message.text,
    createdAt: message.createdAt,
    sendState: "sent",
    sendError: null,
    agentIds: local?.agentIds ?? null,
    mode: local?.mode,
    ...(message.attachments && { attachments: message.attachments }),
    ...(message.parentId !== undefined && { parentId: message.parentId }),
  };
}

/** A join ack (or the server-rendered history) replaces the view, keeping what only this tab knows. */
export function applySnapshot(state: ChatState, snapshot: JoinConversationResult): ChatState {
  const live = new Map(snapshot.inProgress.map((run) => [run.messageId, run]));
  const localRuns = new Map<string, AssistantEntry>();
  const localUsers = new Map<string, UserEntry>();
  for (const entry of state.entries) {
    if (entry.kind === "assistant") localRuns.set(entry.id, entry);
    else if (entry.id) localUsers.set(entry.id, entry);
  }
  const messages = inOrderWritten(snapshot);
  const known = new Set(messages.map((message) => message.id));
  const entries: ChatEntry[] = [];
  for (const message of messages) {
    if (message.role === "user") {
      entries.push(userFromStored(message, localUsers.get(message.id)));
      continue;
    }
    const run = newerRun(localRuns.get(message.id), runFromStored(state, message, live.get(message.id)));
    entries.push({
      ...run,
      replyTo: run.replyTo ?? userKeyOf(entries, message.replyToId),
      ...(message.parentId !== undefined && { parentId: message.parentId }),
    });
  }
  // Sends still in flight (or failed) are not stored yet; keep them after the history.
  const unsent = state.entries.filter(
    (entry) =>
      entry.kind === "user" && (entry.id === null || !known.has(entry.id)) && entry.sendState !== "sent",
  );
  // An edit on its way stays in the place of the message it edits.
  const editShown = unsent.some((entry) => entry.key === state.activeLeafId);
  return {
    ...state,
    conversationId: snapshot.conversation.id,
    entries: [...entries, ...unsent],
    activeLeafId: editShown ? state.activeLeafId : snapshot.conversation.activeLeafId,
  };
}
