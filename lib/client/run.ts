import type {
  AgentProcessingCompleteEvent,
  AgentProcessingErrorEvent,
  AgentProcessingReasoningEvent,
  AgentProcessingStartedEvent,
  AgentProcessingStatusEvent,
  AgentProcessingToolEvent,
  AgentProcessingUpdateEvent,
  ErrorInfo,
  FinishReason,
  MessagePart,
  RunStatus,
} from "../protocol";
import { closeOpen, keepTimings, type PartTimings } from "./parts";

/** Where an assistant answer stands, as this browser has seen it. */
export type RunPhase =
  | "queued"
  | "thinking"
  | "streaming"
  | "complete"
  | "cancelled"
  | "error"
  | "interrupted";

/** A streamed event that takes its place by seq. */
export type Sequenced =
  | { kind: "text"; event: AgentProcessingUpdateEvent }
  | { kind: "reasoning"; event: AgentProcessingReasoningEvent }
  | { kind: "tool"; event: AgentProcessingToolEvent };

export type WaitingInfo = { status: RunStatus; detail: string; retryInMs: number | null; at: number };

export type AssistantEntry = {
  kind: "assistant";
  /** Stable React key: the message id. */
  key: string;
  id: string;
  agentId: string;
  agentName: string;
  model: string | null;
  phase: RunPhase;
  /** The answer only: never reasoning. */
  text: string;
  /** Reasoning, tool calls and text in order of appearance; `text` is the text parts joined. */
  parts: MessagePart[];
  /** When each reasoning part began and ended, for those this tab saw stream. */
  partTimes: PartTimings;
  /**
   * Highest seq whose delta is in `text` and `parts`; null when the base is unknown (a run
   * that was streaming with no in-progress snapshot), until an update's
   * textLength proves where it fits.
   */
  seq: number | null;
  /** Updates, reasoning and tool changes that arrived ahead of a gap, applied once the gap fills. */
  pending: Record<number, Sequenced>;
  /** 0..1, never decreasing. */
  progress: number;
  etaMs: number | null;
  tokenCount: number;
  error: ErrorInfo | null;
  retryable: boolean;
  waiting: WaitingInfo | null;
  finishReason: FinishReason | null;
  startedAt: number | null;
  firstTokenAt: number | null;
  /** Server time of the latest update applied: with firstTokenAt, the live pace. */
  lastTokenAt: number | null;
  finishedAt: number | null;
  /** True once this tab has seen the run's live events (history is not animated). */
  live: boolean;
  /** Key of the user message this answers, when known. */
  replyTo: string | null;
  /** The message before it on its branch; undefined until the server has placed it. */
  parentId?: string | null;
  /** For an answer another agent asked for (`ask_agent`): the asking answer and its call; shown inside it. */
  parent: RunParentRef | null;
};

export type RunParentRef = { messageId: string; toolCallId: string };

/** The asking answer and call named by an event or a stored message, or null for an answer to a person. */
export function parentOf(ids: { parentMessageId?: string; parentToolCallId?: string }): RunParentRef | null {
  return ids.parentMessageId
    ? { messageId: ids.parentMessageId, toolCallId: ids.parentToolCallId ?? "" }
    : null;
}

export const isTerminal = (phase: RunPhase) =>
  phase === "complete" || phase === "cancelled" || phase === "error" || phase === "interrupted";

export function newRun(init: {
  id: string;
  agentId: string;
  agentName: string;
  replyTo?: string | null;
  phase?: RunPhase;
  parent?: RunParentRef | null;
  parentId?: string | null;
}): AssistantEntry {
  return {
    kind: "assistant",
    key: init.id,
    id: init.id,
    agentId: init.agentId,
    agentName: init.agentName,
    model: null,
    phase: init.phase ?? "queued",
    text: "",
    parts: [],
    partTimes: {},
    seq: 0,
    pending: {},
    progress: 0,
    etaMs: null,
    tokenCount: 0,
    error: null,
    retryable: false,
    waiting: null,
    finishReason: null,
    startedAt: null,
    firstTokenAt: null,
    lastTokenAt: null,
    finishedAt: null,
    live: false,
    replyTo: init.replyTo ?? null,
    parent: init.parent ?? null,
    ...(init.parentId !== undefined && { parentId: init.parentId }),
  };
}

export function applyStarted(run: AssistantEntry, event: AgentProcessingStartedEvent): AssistantEntry {
  if (isTerminal(run.phase)) return run;
  return {
    ...run,
    agentName: event.agentName,
    model: event.model,
    phase: run.phase === "queued" ? "thinking" : run.phase,
    startedAt: run.startedAt ?? event.ts,
    waiting: run.waiting?.status === "queued" ? null : run.waiting,
    live: true,
  };
}

export function applyStatus(run: AssistantEntry, event: AgentProcessingStatusEvent): AssistantEntry {
  if (isTerminal(run.phase)) return run;
  // A replayed status may be older than what a snapshot already shows.
  if (event.status === "queued" && run.phase !== "queued") return run;
  if (run.firstTokenAt !== null && event.ts < run.firstTokenAt) return run;
  return {
    ...run,
    waiting: { status: event.status, detail: event.detail, retryInMs: event.retryInMs ?? null, at: event.ts },
    live: true,
  };
}

// Shorter spans give a jumpy figure.
const MIN_PACE_SPAN_MS = 500;

/** Tokens per second so far, by the server's clock; null until the stream has run long enough to tell. */
export function tokenRate(run: AssistantEntry): number | null {
  if (run.firstTokenAt === null || run.tokenCount === 0) return null;
  const end = run.finishedAt ?? run.lastTokenAt;
  if (end === null || end - run.firstTokenAt < MIN_PACE_SPAN_MS) return null;
  return (run.tokenCount * 1000) / (end - run.firstTokenAt);
}

/** The final text is authoritative: it replaces whatever the deltas built. */
export function applyComplete(run: AssistantEntry, event: AgentProcessingCompleteEvent): AssistantEntry {
  if (isTerminal(run.phase)) return run;
  const cancelled = event.finishReason === "cancelled";
  return {
    ...run,
    phase: cancelled ? "cancelled" : "complete",
    text: event.text,
    parts: event.parts,
    partTimes: closeOpen(keepTimings(run.partTimes, event.parts), event.ts),
    seq: event.seq,
    pending: {},
    progress: cancelled ? run.progress : 1,
    etaMs: null,
    tokenCount: event.usage.outputTokens ?? run.tokenCount,
    finishReason: event.finishReason,
    waiting: null,
    startedAt: run.startedAt ?? event.ts - event.timing.totalMs,
    firstTokenAt:
      run.firstTokenAt ??
      (event.timing.firstTokenMs === null
        ? null
        : event.ts - event.timing.totalMs + event.timing.firstTokenMs),
    finishedAt: event.ts,
    live: true,
  };
}

/** Errors a retry of the same request cannot fix: the UI offers no Retry for them. */
const permanentErrors = new Set(["model_not_found", "unauthorized", "bad_request"]);

/** Whether asking again could help, for an error known only by its code (stored history). */
export const isRetryableCode = (code: string | undefined) => !permanentErrors.has(code ?? "");

/** An error keeps the text that had arrived, so the user loses nothing already shown. */
export function applyError(run: AssistantEntry, event: AgentProcessingErrorEvent): AssistantEntry {
  if (isTerminal(run.phase)) return run;
  return {
    ...run,
    // The server stopped under this run: shown as the stored history will show it.
    phase: event.error.code === "interrupted" ? "interrupted" : "error",
    text: event.partialText.length >= run.text.length ? event.partialText : run.text,
    parts: event.parts,
    partTimes: closeOpen(keepTimings(run.partTimes, event.parts), event.ts),
    seq: event.seq,
    pending: {},
    etaMs: null,
    error: { code: event.error.code, message: event.error.message },
    retryable: event.error.retryable,
    waiting: null,
    finishedAt: event.ts,
    live: true,
  };
}
