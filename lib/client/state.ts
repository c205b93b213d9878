import type { JoinConversationResult, SendMessageResult } from "../protocol";
import { entriesShown, leafThrough } from "./branches";
import { applyLocalEdit, applyRegenerated, withdraw } from "./edits";
import { applyServerEvent } from "./events";
import { nameOf } from "./lookup";
import { type AssistantEntry, isTerminal, newRun, type RunPhase } from "./run";
import { applySnapshot } from "./snapshot";
import type { ChatAction, ChatEntry, ChatState, UserEntry } from "./types";

export type { AssistantEntry, RunPhase, WaitingInfo } from "./run";
export { isTerminal } from "./run";
export type { ChatAction, ChatEntry, ChatState, ServerEvent, UserEntry } from "./types";

export function initialChatState(input: {
  agentNames: Record<string, string>;
  snapshot?: JoinConversationResult | null;
}): ChatState {
  const empty: ChatState = {
    conversationId: null,
    entries: [],
    agentNames: input.agentNames,
    unavailable: null,
    activeLeafId: undefined,
  };
  return input.snapshot ? chatReducer(empty, { type: "snapshot", snapshot: input.snapshot }) : empty;
}

export function chatReducer(state: ChatState, action: ChatAction): ChatState {
  switch (action.type) {
    case "snapshot":
      return state.unavailable ? state : applySnapshot(state, action.snapshot);
    case "server_event":
      return state.unavailable ? state : applyServerEvent(state, action.event);
    case "local_send":
      return {
        ...state,
        entries: [
          ...state.entries,
          {
            kind: "user",
            key: action.clientMessageId,
            id: null,
            clientMessageId: action.clientMessageId,
            text: action.text,
            createdAt: action.createdAt,
            sendState: "pending",
            sendError: null,
            agentIds: action.agentIds,
            mode: action.mode,
            ...(action.attachments && action.attachments.length > 0 && { attachments: action.attachments }),
          },
        ],
      };
    case "send_acked":
      return applyAck(state, action.clientMessageId, action.result);
    case "send_failed":
      return mapUser(state, action.clientMessageId, (entry) => ({
        ...entry,
        sendState: "failed",
        sendError: action.error,
      }));
    case "send_withdrawn":
      return withdraw(state, action.clientMessageId);
    case "local_edit":
      return applyLocalEdit(state, action);
    case "regenerate_acked":
      return applyRegenerated(state, action.messageId, action.result);
    case "branch_chosen":
      return { ...state, activeLeafId: leafThrough(state.entries, action.messageId) };
    case "send_retried":
      return mapUser(state, action.clientMessageId, (entry) => ({
        ...entry,
        sendState: "pending",
        sendError: null,
      }));
  }
}

function mapUser(state: ChatState, clientMessageId: string, change: (entry: UserEntry) => UserEntry) {
  return {
    ...state,
    entries: state.entries.map((entry) =>
      entry.kind === "user" && entry.clientMessageId === clientMessageId ? change(entry) : entry,
    ),
  };
}

/* ---------- send acknowledgement ---------- */

function applyAck(state: ChatState, clientMessageId: string, result: SendMessageResult): ChatState {
  let entries = [...state.entries];
  const mine = entries.findIndex(
    (entry) => entry.kind === "user" && entry.clientMessageId === clientMessageId,
  );
  const existing = entries.findIndex((entry) => entry.kind === "user" && entry.id === result.userMessageId);
  let userKey: string;
  const mineKey = mine >= 0 ? entries[mine]?.key : undefined;
  if (mine >= 0 && existing >= 0 && mine !== existing) {
    // The server's copy got here first; keep one bubble.
    userKey = (entries[existing] as UserEntry).key;
    entries.splice(mine, 1);
  } else if (mine >= 0) {
    const entry = entries[mine] as UserEntry;
    userKey = entry.key;
    entries[mine] = { ...entry, id: result.userMessageId, sendState: "sent", sendError: null };
  } else if (existing >= 0) {
    userKey = (entries[existing] as UserEntry).key;
  } else {
    return { ...state, conversationId: state.conversationId ?? result.conversationId };
  }

  const asker = entries.find((entry) => entry.key === userKey) as UserEntry | undefined;
  const inTurn = asker?.mode !== "parallel";
  for (const [index, ref] of result.runs.entries()) {
    const at = entries.findIndex((entry) => entry.kind === "assistant" && entry.id === ref.messageId);
    if (at >= 0) {
      entries[at] = { ...(entries[at] as AssistantEntry), replyTo: userKey };
      continue;
    }
    const run = newRun({
      id: ref.messageId,
      agentId: ref.agentId,
      agentName: nameOf(state, ref.agentId),
      replyTo: userKey,
    });
    // Asked in turn, every answer after the first waits for the one before it, as the server will say.
    if (inTurn && index > 0)
      run.waiting = {
        status: "queued",
        detail: "",
        retryInMs: null,
        at: Date.parse(asker?.createdAt ?? "") || 0,
      };
    entries = insertAfterGroup(entries, userKey, run);
  }
  // An edit shown as the leaf by its key goes on being the leaf under its id.
  const activeLeafId =
    mineKey !== undefined && state.activeLeafId === mineKey ? result.userMessageId : state.activeLeafId;
  return { ...state, conversationId: state.conversationId ?? result.conversationId, entries, activeLeafId };
}

/** Places an answer after its question and any answers to it already shown. */
function insertAfterGroup(entries: ChatEntry[], userKey: string, run: AssistantEntry): ChatEntry[] {
  let at = entries.findIndex((entry) => entry.key === userKey);
  if (at < 0) return [...entries, run];
  at += 1;
  while (at < entries.length) {
    const entry = entries[at];
    if (entry?.kind !== "assistant" || entry.replyTo !== userKey) break;
    at += 1;
  }
  return [...entries.slice(0, at), run, ...entries.slice(at)];
}

/* ---------- selectors ---------- */

export function activeRuns(state: ChatState): AssistantEntry[] {
  return state.entries.filter(
    (entry): entry is AssistantEntry => entry.kind === "assistant" && !isTerminal(entry.phase),
  );
}

/**
 * What the list shows, in order: the active branch, and whatever the server
 * has not placed in the tree yet. Runs of other branches are still kept (and
 * updated) in `entries`, so switching to them shows them as they are.
 */
export function visibleEntries(state: ChatState): ChatEntry[] {
  return entriesShown(state.entries, state.activeLeafId);
}

/** The question an answer replies to: the recorded one, else the nearest user message above it on its branch. */
export function promptFor(state: ChatState, run: AssistantEntry): UserEntry | null {
  if (run.replyTo) {
    const recorded = state.entries.find((entry) => entry.key === run.replyTo);
    if (recorded?.kind === "user") return recorded;
  }
  const shown = visibleEntries(state);
  const list = shown.includes(run) ? shown : state.entries;
  for (let i = list.indexOf(run) - 1; i >= 0; i -= 1) {
    const entry = list[i];
    if (entry?.kind === "user") return entry;
  }
  return null;
}

/** The SPEC's data-status for an answer. */
export function displayStatus(
  phase: RunPhase,
): "thinking" | "streaming" | "complete" | "error" | "cancelled" {
  if (phase === "queued") return "thinking";
  if (phase === "interrupted") return "error";
  return phase;
}
