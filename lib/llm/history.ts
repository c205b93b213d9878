import type { AssistantContent, JSONValue, ModelMessage, ToolContent } from "ai";
import type { MessagePart } from "../protocol";
import type { ChatTurn } from "./types";

type ToolPart = Extract<MessagePart, { type: "tool" }>;

/** What the model is told a call of an earlier turn returned. */
function resultOf(part: ToolPart): ToolContent[number] {
  const base = { type: "tool-result" as const, toolCallId: part.toolCallId, toolName: part.toolName };
  if (part.state === "output-available") {
    const { output } = part;
    if (typeof output === "string") return { ...base, output: { type: "text", value: output } };
    return { ...base, output: { type: "json", value: (output ?? null) as JSONValue } };
  }
  const value =
    part.state === "output-error"
      ? (part.errorText ?? "The tool failed.")
      : "The tool call did not finish: the answer was stopped.";
  return { ...base, output: { type: "error-text", value } };
}

/**
 * An assistant turn with tool calls as the model produced it: each step's text
 * and calls, then a tool message with their results. Reasoning is never sent.
 * Serves earlier turns and, within a run, the steps before the next one.
 */
export function assistantWithTools(parts: MessagePart[]): ModelMessage[] {
  const messages: ModelMessage[] = [];
  let content: Exclude<AssistantContent, string> = [];
  let results: ToolContent = [];
  const flush = () => {
    if (content.length > 0) messages.push({ role: "assistant", content });
    if (results.length > 0) messages.push({ role: "tool", content: results });
    content = [];
    results = [];
  };
  for (const part of parts) {
    if (part.type === "reasoning") continue;
    if (part.type === "text") {
      if (results.length > 0) flush();
      if (part.text !== "") content.push({ type: "text", text: part.text });
      continue;
    }
    content.push({
      type: "tool-call",
      toolCallId: part.toolCallId,
      toolName: part.toolName,
      input: part.input ?? {},
    });
    results.push(resultOf(part));
  }
  flush();
  return messages;
}

/** The conversation so far as AI SDK model messages. */
export function toModelMessages(turns: ChatTurn[]): ModelMessage[] {
  return turns.flatMap((turn): ModelMessage[] => {
    if (turn.role === "user") return [{ role: "user", content: turn.content }];
    if (turn.parts?.some((part) => part.type === "tool")) return assistantWithTools(turn.parts);
    return [{ role: "assistant", content: turn.content }];
  });
}
