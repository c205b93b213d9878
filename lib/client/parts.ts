import type { MessagePart } from "../protocol";
import { applyToolChange, type ToolChange } from "../protocol/parts";

/** When a reasoning part began and ended, by the server's clock; absent when it was not seen live. */
export type PartTiming = { startedAt: number; endedAt: number | null };

/** Timings by index into the answer's parts. */
export type PartTimings = Readonly<Record<number, PartTiming>>;

type Streamed = { parts: MessagePart[]; partTimes: PartTimings };

/**
 * Adds a streamed delta: it extends the last part when that part is of the same
 * kind, otherwise it starts one, and the reasoning it follows is over.
 */
export function appendDelta(
  current: Streamed,
  type: "reasoning" | "text",
  delta: string,
  ts: number,
): Streamed {
  const { parts, partTimes } = current;
  const last = parts.at(-1);
  if (last?.type === type) {
    return { parts: [...parts.slice(0, -1), { type, text: last.text + delta }], partTimes };
  }
  const times = closeOpen(partTimes, ts);
  const at = parts.length;
  return {
    parts: [...parts, { type, text: delta }],
    partTimes: type === "reasoning" ? { ...times, [at]: { startedAt: ts, endedAt: null } } : times,
  };
}

/** Adds a tool call's change: a new call starts a part (and ends the reasoning before it), a known one changes in place. */
export function applyTool(current: Streamed, change: ToolChange, ts: number): Streamed {
  const parts = applyToolChange(current.parts, change);
  const added = parts.length > current.parts.length;
  return { parts, partTimes: added ? closeOpen(current.partTimes, ts) : current.partTimes };
}

/** Ends every reasoning part still open at `ts`. */
export function closeOpen(times: PartTimings, ts: number): PartTimings {
  const open = Object.entries(times).filter(([, timing]) => timing.endedAt === null);
  if (open.length === 0) return times;
  const closed = { ...times };
  for (const [key, timing] of open) closed[Number(key)] = { ...timing, endedAt: ts };
  return closed;
}

/**
 * Timings that still describe `parts` after they were replaced by an
 * authoritative copy (a snapshot, the terminal event): kept where the part at
 * that index is still reasoning.
 */
export function keepTimings(times: PartTimings, parts: readonly MessagePart[]): PartTimings {
  const kept: Record<number, PartTiming> = {};
  for (const [key, timing] of Object.entries(times)) {
    if (parts[Number(key)]?.type === "reasoning") kept[Number(key)] = timing;
  }
  return kept;
}
