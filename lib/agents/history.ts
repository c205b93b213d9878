import type { MessageRow } from "../db/schema";
import type { ChatTurn } from "../llm/types";
import type { AgentProfile } from "./types";

/**
 * The conversation as one agent sees it: its own answers as the assistant's
 * turns, everyone else's (the user and other agents) as user turns, other
 * agents named so it can tell who said what.
 */
export function buildHistory(input: {
  messages: MessageRow[];
  agent: AgentProfile;
  agentName: (agentId: string) => string;
}): ChatTurn[] {
  const turns: ChatTurn[] = [];
  for (const message of input.messages) {
    const text = message.text.trim();
    if (!text) continue;
    if (message.role === "user") {
      turns.push({ role: "user", content: message.text });
    } else if (message.agentId === input.agent.id) {
      turns.push({ role: "assistant", content: message.text });
    } else {
      turns.push({
        role: "user",
        content: `[${input.agentName(message.agentId ?? "agent")}]: ${message.text}`,
      });
    }
  }
  return turns;
}

/** The messages written before the given one, in conversation order. */
export function messagesBefore(messages: MessageRow[], messageId: string): MessageRow[] {
  const index = messages.findIndex((message) => message.id === messageId);
  return index < 0 ? messages : messages.slice(0, index);
}
