import type { InProgressRun, MessagePart } from "@/lib/protocol";
import { applyToolChange, type ToolChange } from "@/lib/protocol/parts";
import type { ReceivedEvent } from "./client";

/**
 * The message a client rebuilds from the protocol's events, written apart from
 * the browser's reducer so the tests can check that reducer against it.
 */

/** The events that carry seq (status lines aside), in arrival order. */
export const sequenced = (events: ReceivedEvent[]) =>
  events.filter((e) => typeof e.payload.seq === "number" && e.name !== "agent_processing_status");

/** One sequenced event applied to the parts so far; the terminal events change nothing. */
export function applyEvent(parts: readonly MessagePart[], event: ReceivedEvent): MessagePart[] {
  if (event.name === "agent_processing_tool")
    return applyToolChange(parts, event.payload as unknown as ToolChange);
  const type =
    event.name === "agent_processing_reasoning"
      ? "reasoning"
      : event.name === "agent_processing_update"
        ? "text"
        : null;
  if (!type) return [...parts];
  const delta = event.payload.delta as string;
  const last = parts.at(-1);
  if (last?.type === type) return [...parts.slice(0, -1), { type, text: last.text + delta }];
  return [...parts, { type, text: delta }];
}

/** What a joiner does: the snapshot's parts, then every later event in seq order. */
export function rebuild(
  snapshot: Pick<InProgressRun, "parts" | "seq">,
  events: ReceivedEvent[],
): MessagePart[] {
  return sequenced(events)
    .filter((e) => (e.payload.seq as number) > snapshot.seq)
    .sort((a, b) => (a.payload.seq as number) - (b.payload.seq as number))
    .reduce<MessagePart[]>(applyEvent, snapshot.parts);
}

/** An answer as a reader should see it grow: `partsAt[s]` is the message once the events up to seq s have arrived. */
export type ExpectedAnswer = { partsAt: MessagePart[][] };

/**
 * Parts as the wire carries them: a key whose value is undefined (a tool call
 * whose input has not begun) does not exist in JSON, so it never tells two
 * messages apart.
 */
export const asSent = (parts: readonly MessagePart[] | undefined): unknown =>
  parts === undefined ? undefined : JSON.parse(JSON.stringify(parts));

export const textOfParts = (parts: readonly MessagePart[]) =>
  parts.map((part) => (part.type === "text" ? part.text : "")).join("");

const deltaEvents = new Set([
  "agent_processing_reasoning",
  "agent_processing_tool",
  "agent_processing_update",
]);

/** The answer one whole run's events describe: its deltas are seq 1, 2, 3… after the start's 0. */
export function expectedFromEvents(events: ReceivedEvent[]): ExpectedAnswer {
  const ordered = sequenced(events)
    .filter((e) => deltaEvents.has(e.name))
    .sort((a, b) => (a.payload.seq as number) - (b.payload.seq as number));
  const partsAt: MessagePart[][] = [[]];
  for (const event of ordered) {
    if (event.payload.seq !== partsAt.length) throw new Error(`seq ${partsAt.length} is missing`);
    partsAt.push(applyEvent(partsAt.at(-1) ?? [], event));
  }
  return { partsAt };
}

/** A text-only answer of one update per token. */
export function expectedFromTokens(tokens: readonly string[]): ExpectedAnswer {
  const partsAt = tokens.map((_, s): MessagePart[] => [
    { type: "text", text: tokens.slice(0, s + 1).join("") },
  ]);
  return { partsAt: [[], ...partsAt] };
}
