import { kindOf } from "../attachments/sniff";
import type { AttachmentContent } from "../db/queries";
import type { MessageRow } from "../db/schema";
import type { ChatTurn, TurnAttachment } from "../llm/types";
import type { MessagePart } from "../protocol";
import { pathTo } from "../protocol/tree";
import type { AgentProfile } from "./types";

/** A stored message with the files it carries. */
export type HistoryMessage = MessageRow & { attachments?: AttachmentContent[] };

/** The most of one file's text a model is sent: a whole log file would crowd out the conversation. */
export const FILE_TEXT_SENT_MAX = 200_000;

const utf8 = new TextDecoder();

function cut(text: string): string {
  if (text.length <= FILE_TEXT_SENT_MAX) return text;
  return `${text.slice(0, FILE_TEXT_SENT_MAX)}\n[… ${text.length - FILE_TEXT_SENT_MAX} more characters not shown]`;
}

/** A file as this agent is sent it: an image only to an agent that can see. */
function turnAttachment(file: AttachmentContent, agent: AgentProfile): TurnAttachment {
  const { name, contentType } = file;
  switch (kindOf(contentType)) {
    case "image":
      return agent.vision === false
        ? { type: "omitted", name, reason: "an image, and this model cannot see images" }
        : { type: "image", name, mediaType: contentType, data: file.content };
    case "pdf":
      return { type: "text", name, text: cut(file.text || "(no text could be read from this PDF)") };
    case "text":
      return { type: "text", name, text: cut(utf8.decode(file.content)) };
  }
}

/**
 * The conversation as one agent sees it: its own answers as the assistant's
 * turns, everyone else's (the user and other agents) as user turns, other
 * agents named so it can tell who said what. Its own answers keep the tool
 * calls they made, with their results, so a follow-up question can build on
 * them; reasoning stays behind.
 */
export function buildHistory(input: {
  messages: HistoryMessage[];
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
    const files = message.attachments?.map((file) => turnAttachment(file, input.agent)) ?? [];
    if (!text && !parts && files.length === 0) continue;
    if (message.role === "user") {
      turns.push({ role: "user", content: message.text, ...(files.length > 0 && { attachments: files }) });
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

/**
 * What an answer reads: the messages before it on its branch, root first;
 * nothing when it is not among them.
 */
export function branchBefore<M extends MessageRow>(messages: M[], messageId: string): M[] {
  const byId = new Map(messages.map((message) => [message.id, message]));
  const self = byId.get(messageId);
  return self ? pathTo(byId, self.parentId) : [];
}
