import type { AgentProcessingReasoningEvent, AgentProcessingUpdateEvent } from "../protocol";
import { appendDelta } from "./parts";
import { type AssistantEntry, isTerminal, type Sequenced } from "./run";

/** Applies an answer delta in seq order, exactly once. */
export const applyUpdate = (run: AssistantEntry, event: AgentProcessingUpdateEvent) =>
  applySequenced(run, { kind: "text", event });

/** Applies a reasoning delta in the same seq order as the answer's. */
export const applyReasoning = (run: AssistantEntry, event: AgentProcessingReasoningEvent) =>
  applySequenced(run, { kind: "reasoning", event });

/** Applies streamed events strictly in seq order, exactly once: early ones wait, repeats are dropped. */
function applySequenced(run: AssistantEntry, item: Sequenced): AssistantEntry {
  if (isTerminal(run.phase)) return run;
  const { event } = item;
  let next: AssistantEntry = { ...run, live: true };
  if (next.seq === null) {
    // What we hold came from storage without a seq: only an update that
    // continues exactly where its text ends proves where the stream stands.
    if (item.kind === "reasoning") return next;
    if (item.event.textLength !== next.text.length + event.delta.length) {
      return { ...next, progress: Math.max(next.progress, item.event.progress), etaMs: item.event.etaMs };
    }
    next = { ...next, seq: event.seq - 1 };
  }
  const applied = next.seq ?? 0;
  if (event.seq <= applied || next.pending[event.seq]) return run;
  if (event.seq > applied + 1) return { ...next, pending: { ...next.pending, [event.seq]: item } };

  next = applyOne(next, item);
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

function applyOne(run: AssistantEntry, item: Sequenced): AssistantEntry {
  const streamed = appendDelta(run, item.kind, item.event.delta, item.event.ts);
  const base = { ...run, ...streamed, phase: "streaming" as const, seq: item.event.seq, waiting: null };
  if (item.kind === "reasoning") {
    // The bar keeps moving while the model reasons, never backwards.
    const { progress, etaMs } = item.event;
    return {
      ...base,
      startedAt: run.startedAt ?? item.event.ts,
      progress: progress === undefined ? run.progress : Math.max(run.progress, progress),
      etaMs: etaMs ?? run.etaMs,
    };
  }
  const { event } = item;
  return {
    ...base,
    text: run.text + event.delta,
    progress: Math.max(run.progress, event.progress),
    etaMs: event.etaMs,
    tokenCount: Math.max(run.tokenCount, event.tokenCount),
    firstTokenAt: run.firstTokenAt ?? event.ts,
    lastTokenAt: event.ts,
    startedAt: run.startedAt ?? event.ts,
  };
}
