import { z } from "zod";
import type { MessageMatch } from "../../db/queries";
import type { ToolDefinition } from "../../llm/types";

export const MAX_PASSAGES = 8;
const PASSAGE_LENGTH = 300;

export const searchConversationsInputSchema = z.object({
  query: z
    .string()
    .trim()
    .min(2, "the query needs at least 2 characters")
    .max(200)
    .describe("Words or a phrase to look for, matched case-insensitively"),
});

export type SearchMessages = (input: {
  ownerId: string;
  query: string;
  limit: number;
}) => Promise<MessageMatch[]>;

export type Passage = {
  conversationId: string;
  title: string;
  role: MessageMatch["role"];
  agentId?: string;
  createdAt: string;
  passage: string;
};

/** The part of `text` around the first match, at most PASSAGE_LENGTH characters. */
export function passageOf(text: string, query: string): string {
  if (text.length <= PASSAGE_LENGTH) return text;
  const at = Math.max(0, text.toLowerCase().indexOf(query.toLowerCase()));
  const start = Math.max(0, Math.min(at - Math.floor(PASSAGE_LENGTH / 3), text.length - PASSAGE_LENGTH));
  const end = start + PASSAGE_LENGTH;
  return `${start > 0 ? "…" : ""}${text.slice(start, end)}${end < text.length ? "…" : ""}`;
}

/**
 * Searches the conversations of one owner: the owner of the conversation the
 * agent answers in, fixed when the run starts, so neither the model nor the
 * input can reach anybody else's.
 */
export function createSearchConversationsTool(input: {
  ownerId: string;
  search: SearchMessages;
}): ToolDefinition {
  return {
    name: "search_conversations",
    description:
      "Searches the user's own earlier conversations for a word or phrase and returns matching passages " +
      `(newest first, at most ${MAX_PASSAGES}) with each conversation's title and id.`,
    inputSchema: searchConversationsInputSchema,
    async execute(raw) {
      const { query } = searchConversationsInputSchema.parse(raw);
      const matches = await input.search({ ownerId: input.ownerId, query, limit: MAX_PASSAGES });
      const passages = matches.map(
        (match): Passage => ({
          conversationId: match.conversationId,
          title: match.title,
          role: match.role,
          ...(match.agentId && { agentId: match.agentId }),
          createdAt: match.createdAt.toISOString(),
          passage: passageOf(match.text, query),
        }),
      );
      return { query, passages };
    },
  };
}
