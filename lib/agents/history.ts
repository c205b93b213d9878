import type { MessageRow } from "../db/schema";
import type { ChatTurn } from "../llm/types";
import type { MessagePart } from "../protocol";
import type { AgentProfile } from "./types";

/**
 * The conversation as one agent sees it: its own answers as the assistant's
 * turns, everyone else's (the user and other agents) as user turns, other
 * agents named so it can tell who said what. Its own answers keep the tool
 * calls they made, with their results, so a follow-up question can build on
 * them; reasoning stays behind.
 */
export function buildHistory(input: {
  messages: MessageRow[];
  agent: AgentProfile;
  agentName: (agentId: string) => string;
}): ChatTurn[] {
  const turns: ChatTurn[] = [];
  for (const message of input.messages) {
    // An answer another agent asked for reached the conversation as that agent's tool result.
    if (message.parentMessageId) continue;
    const text = message.text.trim();
    const own = message.role === "assistant" && message.agentId === input.agent.id;
    const parts = own ? sentParts(message.parts) : null;
    if (!text && !parts) continue;
    if (message.role === "user") {
      turns.push({ role: "user", content: message.text });
    } else if (own) {
      turns.push({ role: "assistant", content: message.text, ...(parts && { parts }) });
    } else {
      turns.push({
        role: "user",
        content: `[${input.agentName(message.agentId ?? "agent")}]: ${message.text}`,
      });
    }
  }
  return turns;
}

/**
 * The parts an answer sends back upstream: its text and its finished tool calls
 * (a call cut off before its result cannot be replayed); null when it made no
 * tool call, so a plain answer stays plain text.
 */
function sentParts(parts: MessagePart[] | null): MessagePart[] | null {
  const sent = (parts ?? []).filter(
    (part) =>
      part.type === "text" ||
      (part.type === "tool" && (part.state === "output-available" || part.state === "output-error")),
  );
  return sent.some((part) => part.type === "tool") ? sent : null;
}

/** The messages written before the given one, in conversation order. */
export function messagesBefore(messages: MessageRow[], messageId: string): MessageRow[] {
  const index = messages.findIndex((message) => message.id === messageId);
  return index < 0 ? messages : messages.slice(0, index);
}
