import type { AssistantContent, JSONValue, ModelMessage, ToolContent, UserContent } from "ai";
import type { MessagePart } from "../protocol";
import type { ChatTurn, TurnAttachment } from "./types";

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

/** Fenced so that no run of backticks inside the file can close the block early. */
function fenced(text: string): string {
  const longest = Math.max(0, ...Array.from(text.matchAll(/`+/g), (run) => run[0].length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return `${fence}\n${text}\n${fence}`;
}

type UserPart = Exclude<UserContent, string>[number];

/** An image goes as an image part (an `image_url` data URL on the wire), a text file as text under its name. */
function attachmentPart(file: TurnAttachment): UserPart {
  switch (file.type) {
    case "image":
      return { type: "image", image: file.data, mediaType: file.mediaType };
    case "text":
      return { type: "text", text: `File ${file.name}:\n${fenced(file.text)}` };
    case "omitted":
      return { type: "text", text: `[File ${file.name} left out: ${file.reason}]` };
  }
}

function userContent(turn: Extract<ChatTurn, { role: "user" }>): UserContent {
  if (!turn.attachments?.length) return turn.content;
  const text: UserPart[] = turn.content.trim() ? [{ type: "text", text: turn.content }] : [];
  return [...text, ...turn.attachments.map(attachmentPart)];
}

/** The conversation so far as AI SDK model messages. */
export function toModelMessages(turns: ChatTurn[]): ModelMessage[] {
  return turns.flatMap((turn): ModelMessage[] => {
    if (turn.role === "user") return [{ role: "user", content: userContent(turn) }];
    if (turn.parts?.some((part) => part.type === "tool")) return assistantWithTools(turn.parts);
    return [{ role: "assistant", content: turn.content }];
  });
}
