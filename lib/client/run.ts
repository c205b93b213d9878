import type {
  AgentProcessingCompleteEvent,
  AgentProcessingErrorEvent,
  AgentProcessingStartedEvent,
  AgentProcessingStatusEvent,
  AgentProcessingUpdateEvent,
  ErrorInfo,
  FinishReason,
  RunStatus,
} from "../protocol";

/** Where an assistant answer stands, as this browser has seen it. */
export type RunPhase =
  | "queued"
  | "thinking"
  | "streaming"
  | "complete"
  | "cancelled"
  | "error"
  | "interrupted";

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
  text: string;
  /**
   * Highest seq whose delta is in `text`; null when the base is unknown (a run
   * that was streaming with no in-progress snapshot), until an update's
   * textLength proves where it fits.
   */
  seq: number | null;
  /** Updates that arrived ahead of a gap, applied once the gap fills. */
  pending: Record<number, AgentProcessingUpdateEvent>;
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
};

export const isTerminal = (phase: RunPhase) =>
  phase === "complete" || phase === "cancelled" || phase === "error" || phase === "interrupted";

export function newRun(init: {
  id: string;
  agentId: string;
  agentName: string;
  replyTo?: string | null;
  phase?: RunPhase;
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

function applyOne(run: AssistantEntry, event: AgentProcessingUpdateEvent): AssistantEntry {
  return {
    ...run,
    phase: "streaming",
    text: run.text + event.delta,
    seq: event.seq,
    progress: Math.max(run.progress, event.progress),
    etaMs: event.etaMs,
    tokenCount: Math.max(run.tokenCount, event.tokenCount),
    firstTokenAt: run.firstTokenAt ?? event.ts,
    lastTokenAt: event.ts,
    startedAt: run.startedAt ?? event.ts,
    waiting: null,
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

/** Applies updates strictly in seq order, exactly once: early ones wait, repeats are dropped. */
export function applyUpdate(run: AssistantEntry, event: AgentProcessingUpdateEvent): AssistantEntry {
  if (isTerminal(run.phase)) return run;
  let next: AssistantEntry = { ...run, live: true };
  if (next.seq === null) {
    // The text we hold came from storage without a seq; this update fits only
    // if it continues exactly where that text ends.
    if (event.textLength !== next.text.length + event.delta.length) {
      return { ...next, progress: Math.max(next.progress, event.progress), etaMs: event.etaMs };
    }
    next = { ...next, seq: event.seq - 1 };
  }
  const applied = next.seq ?? 0;
  if (event.seq <= applied || next.pending[event.seq]) return run;
  if (event.seq > applied + 1) return { ...next, pending: { ...next.pending, [event.seq]: event } };

  next = applyOne(next, event);
  let pending = next.pending;
  let following = pending[(next.seq ?? 0) + 1];
  while (following) {
    next = applyOne(next, following);
    following = pending[(next.seq ?? 0) + 1];
  }
  const seq = next.seq ?? 0;
  pending = Object.fromEntries(Object.entries(pending).filter(([key]) => Number(key) > seq));
  return { ...next, pending };
}

/** The final text is authoritative: it replaces whatever the deltas built. */
export function applyComplete(run: AssistantEntry, event: AgentProcessingCompleteEvent): AssistantEntry {
  if (isTerminal(run.phase)) return run;
  const cancelled = event.finishReason === "cancelled";
  return {
    ...run,
    phase: cancelled ? "cancelled" : "complete",
    text: event.text,
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
