import type { MessagePart, ToolApproval, ToolState } from "./schemas";

export type ToolPart = Extract<MessagePart, { type: "tool" }>;

/** The parts of an answer known only by its text: stored before parts existed, or `agent_message`. */
export const partsOfText = (text: string): MessagePart[] => (text ? [{ type: "text", text }] : []);

/**
 * The parts worth storing beside the text: none (null) when they hold nothing
 * but the text itself, which readers rebuild with partsOfText. Most answers
 * are plain text; their checkpoints then write it once, not twice.
 */
export const partsBeyondText = (parts: MessagePart[], text: string): MessagePart[] | null => {
  if (parts.length === 0) return text ? parts : null;
  const [only] = parts;
  return parts.length === 1 && only?.type === "text" && only.text === text ? null : parts;
};

/** What one `agent_processing_tool` event says about its call. */
export type ToolChange = {
  toolCallId: string;
  toolName: string;
  state: ToolState;
  /** With `input-streaming`: the next piece of the input's JSON text. */
  inputDelta?: string;
  /** From `input-available` on: the parsed input. */
  input?: unknown;
  /** With `output-available`. */
  output?: unknown;
  /** With `output-error`: what failed, for the model and the user (a bad input, a failure, a timeout). */
  errorText?: string;
  /** For a call that needs the owner's approval: asked, or how it was answered. */
  approval?: ToolApproval;
};

/**
 * A message's parts after one change of a tool call: its first change adds
 * the call's part after the others, later ones update that part in place.
 * While the input streams, `input` is its JSON text so far (the deltas
 * joined); from `input-available` on it is the parsed input. Shared so the
 * server's stored parts and the browser's rebuilt ones are built alike.
 */
export function applyToolChange(parts: readonly MessagePart[], change: ToolChange): MessagePart[] {
  const at = parts.findIndex((part) => part.type === "tool" && part.toolCallId === change.toolCallId);
  const previous = at < 0 ? undefined : (parts[at] as ToolPart);
  const next = mergeToolChange(previous, change);
  if (at < 0) return [...parts, next];
  const copy = [...parts];
  copy[at] = next;
  return copy;
}

function mergeToolChange(previous: ToolPart | undefined, change: ToolChange): ToolPart {
  const streamedSoFar = typeof previous?.input === "string" ? previous.input : "";
  const input =
    change.input !== undefined
      ? change.input
      : change.state === "input-streaming" && change.inputDelta !== undefined
        ? streamedSoFar + change.inputDelta
        : previous?.input;
  const part: ToolPart = {
    type: "tool",
    toolCallId: change.toolCallId,
    toolName: change.toolName,
    state: change.state,
    input,
  };
  const output = change.output !== undefined ? change.output : previous?.output;
  if (output !== undefined) part.output = output;
  const errorText = change.errorText ?? previous?.errorText;
  if (errorText !== undefined) part.errorText = errorText;
  const approval = change.approval ?? previous?.approval;
  if (approval !== undefined) part.approval = approval;
  return part;
}
