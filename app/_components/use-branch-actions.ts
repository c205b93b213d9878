"use client";

import { type RefObject, useCallback, useState } from "react";
import type { ChatLink } from "@/lib/client/chat-link";
import type { ChatAction } from "@/lib/client/state";
import { newClientId } from "./client-id";

/** An edit, a regenerated answer or a switch the server did not take: what it said, and a way to try again. */
export type ActionError = { title: string; message: string; retry?: () => void };

/**
 * The owner's moves in the conversation's tree: edit a question, have an
 * answer given again, show another version. Each shows at once and is then
 * settled by the server; a refusal is kept for the page to show.
 */
export function useBranchActions(link: RefObject<ChatLink | null>, dispatch: (action: ChatAction) => void) {
  const [actionError, setActionError] = useState<ActionError | null>(null);

  /** Retried with the same clientMessageId, so an edit the server did take is not stored twice. */
  const edit = useCallback(
    function editMessage(messageId: string, text: string, clientMessageId = newClientId()) {
      const current = link.current;
      if (!current) return;
      setActionError(null);
      dispatch({ type: "local_edit", clientMessageId, messageId, text, createdAt: new Date().toISOString() });
      void current.deliverEdit({ clientMessageId, messageId, text }).then((error) => {
        if (!error) return;
        setActionError({
          title: "Your edit was not saved",
          message: error.message,
          retry: () => editMessage(messageId, text, clientMessageId),
        });
      });
    },
    [link, dispatch],
  );

  const regenerate = useCallback(
    async function regenerateAnswer(messageId: string, agentId?: string, clientMessageId = newClientId()) {
      const current = link.current;
      if (!current) return;
      setActionError(null);
      const error = await current.regenerate(messageId, agentId, clientMessageId);
      if (!error) return;
      setActionError({
        title: "No new answer",
        message: error.message,
        retry: () => void regenerateAnswer(messageId, agentId, clientMessageId),
      });
    },
    [link],
  );

  const showBranch = useCallback(
    async (messageId: string) => {
      const current = link.current;
      if (!current) return;
      setActionError(null);
      dispatch({ type: "branch_chosen", messageId });
      const ack = await current.switchBranch(messageId);
      if (ack.ok) return;
      setActionError({ title: "Could not show that version", message: ack.error.message });
      // The server's view is the truth: take it again.
      current.join();
    },
    [link, dispatch],
  );

  const clearActionError = useCallback(() => setActionError(null), []);

  return { edit, regenerate, showBranch, actionError, clearActionError };
}
