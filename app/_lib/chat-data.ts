import { notFound } from "next/navigation";
import { cache } from "react";
import type { PublicAgent } from "@/lib/agents/types";
import type { LiveConversation } from "@/lib/chat/types";
import { isAppError } from "@/lib/errors";
import { type ConversationSummary, idSchema, type JoinConversationResult } from "@/lib/protocol";
import { getServices } from "@/lib/services";
import { readUserId } from "./session";

/** What every chat page needs besides the conversation. */
export type ChatPageContext = {
  agents: PublicAgent[];
  /** Shown in the header; only the offline demo model announces itself. */
  modelLabel: string | null;
  /** ATTACHMENT_MAX_BYTES, so the composer refuses larger files before sending them. */
  attachmentMaxBytes: number;
};

export function chatPageContext(): ChatPageContext {
  const { chat, llm, env } = getServices();
  return {
    agents: chat.listAgents(),
    modelLabel: llm.kind === "demo" ? llm.label : null,
    attachmentMaxBytes: env.ATTACHMENT_MAX_BYTES,
  };
}

async function orNotFound<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    // "Not yours" and "not there" look the same, so ids cannot be probed.
    if (isAppError(error) && (error.type === "not_found" || error.type === "forbidden")) notFound();
    throw error;
  }
}

function toSnapshot(conversation: LiveConversation): JoinConversationResult {
  const { id, title, visibility, messages, activeLeafId, otherBranches, inProgress } = conversation;
  return { conversation: { id, title, visibility, messages, activeLeafId, otherBranches }, inProgress };
}

/** The caller's conversations for the sidebar, newest first; none before they have a session. */
export async function loadOwnConversations(): Promise<ConversationSummary[]> {
  const userId = await readUserId();
  return userId ? getServices().chat.listConversations({ userId }) : [];
}

// cache(): generateMetadata and the page share one load per request.
export const loadOwnConversation = cache(async (conversationId: string) => {
  // An address that could not name a conversation names none: no query, no error logged.
  if (!idSchema.safeParse(conversationId).success) notFound();
  const userId = await readUserId();
  if (!userId) notFound();
  const conversation = await orNotFound(() => getServices().chat.getConversation({ userId, conversationId }));
  return { snapshot: toSnapshot(conversation), shareId: conversation.shareId };
});

export const loadSharedConversation = cache(async (shareId: string) => {
  if (!idSchema.safeParse(shareId).success) notFound();
  const conversation = await orNotFound(() => getServices().chat.getSharedConversation({ shareId }));
  return { snapshot: toSnapshot(conversation) };
});
