import type {
  AgentProcessingReasoningEvent,
  AgentProcessingToolEvent,
  AgentProcessingUpdateEvent,
} from "../protocol";
import { appendDelta, applyTool } from "./parts";
import { type AssistantEntry, isTerminal, type Sequenced } from "./run";

/** Applies an answer delta in seq order, exactly once. */
export const applyUpdate = (run: AssistantEntry, event: AgentProcessingUpdateEvent) =>
  applySequenced(run, { kind: "text", event });

/** Applies a reasoning delta in the same seq order as the answer's. */
export const applyReasoning = (run: AssistantEntry, event: AgentProcessingReasoningEvent) =>
  applySequenced(run, { kind: "reasoning", event });

/** Applies a change of a tool call in the same seq order as the answer's. */
export const applyToolEvent = (run: AssistantEntry, event: AgentProcessingToolEvent) =>
  applySequenced(run, { kind: "tool", event });

/** Applies streamed events strictly in seq order, exactly once: early ones wait, repeats are dropped. */
function applySequenced(run: AssistantEntry, item: Sequenced): AssistantEntry {
  if (isTerminal(run.phase)) return run;
  const { event } = item;
  let next: AssistantEntry = { ...run, live: true };
  if (next.seq === null) {
    // What we hold came from storage without a seq: only an update that
    // continues exactly where its text ends proves where the stream stands.
    if (item.kind !== "text") return next;
    if (item.event.textLength !== next.text.length + item.event.delta.length) {
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
  const step = { phase: "streaming" as const, seq: item.event.seq, waiting: null };
  if (item.kind === "text") {
    const { event } = item;
    return {
      ...run,
      ...appendDelta(run, "text", event.delta, event.ts),
      ...step,
      text: run.text + event.delta,
      progress: Math.max(run.progress, event.progress),
      etaMs: event.etaMs,
      tokenCount: Math.max(run.tokenCount, event.tokenCount),
      firstTokenAt: run.firstTokenAt ?? event.ts,
      lastTokenAt: event.ts,
      startedAt: run.startedAt ?? event.ts,
    };
  }
  const streamed =
    item.kind === "reasoning"
      ? appendDelta(run, "reasoning", item.event.delta, item.event.ts)
      : applyTool(run, item.event, item.event.ts);
  // The bar keeps moving through reasoning and tool steps, never backwards.
  const { progress, etaMs, ts } = item.event;
  return {
    ...run,
    ...streamed,
    ...step,
    startedAt: run.startedAt ?? ts,
    progress: progress === undefined ? run.progress : Math.max(run.progress, progress),
    etaMs: etaMs ?? run.etaMs,
  };
}
