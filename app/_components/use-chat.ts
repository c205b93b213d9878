"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { ChatLink, type OutgoingMessage, type ToolCallAnswer } from "@/lib/client/chat-link";
import { getSocket } from "@/lib/client/socket";
import {
  type AssistantEntry,
  activeRuns,
  type ChatState,
  chatReducer,
  initialChatState,
  promptFor,
  type UserEntry,
} from "@/lib/client/state";
import type {
  Ack,
  Attachment,
  ErrorInfo,
  JoinConversationPayload,
  JoinConversationResult,
  TurnMode,
} from "@/lib/protocol";
import { newClientId } from "./client-id";
import { useBranchActions } from "./use-branch-actions";
import { useFrameReducer } from "./use-frame-reducer";

const CANCEL_TIMEOUT_MS = 20_000;

const notConnected: ErrorInfo = { code: "unavailable:socket", message: "Not connected to the server." };

export type UseChatOptions = {
  agentNames: Record<string, string>;
  initial: JoinConversationResult | null;
  /** What to join; null on a new chat until its first message creates the conversation. */
  target: JoinConversationPayload | null;
  onConversationCreated?: (conversationId: string) => void;
  /** A message reached the server: the conversation list's order may have changed. */
  onSent?: (conversationId: string) => void;
  /** A message refused over a limit comes back here, unsent, so its text and files are not lost. */
  onRefused?: (message: OutgoingMessage, attachments: Attachment[]) => void;
};

/** A send refused over a limit: what the server said, and until when to wait. */
export type Refusal = { message: string; until: number };

export function useChat({
  agentNames,
  initial,
  target,
  onConversationCreated,
  onSent,
  onRefused,
}: UseChatOptions) {
  const { state, dispatch, latest } = useFrameReducer(chatReducer, () =>
    initialChatState({ agentNames, snapshot: initial }),
  );
  const [joinError, setJoinError] = useState<ErrorInfo | null>(null);
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const initialTarget = useRef(target);
  const link = useRef<ChatLink | null>(null);
  const createdRef = useRef(onConversationCreated);
  createdRef.current = onConversationCreated;
  const sentRef = useRef(onSent);
  sentRef.current = onSent;
  const refusedRef = useRef(onRefused);
  refusedRef.current = onRefused;
  /** The files of each message this tab sent, to hand back with a refused one. */
  const sentFiles = useRef(new Map<string, Attachment[]>());

  useEffect(() => {
    const current = new ChatLink({
      socket: getSocket(),
      dispatch,
      target: initialTarget.current,
      onJoinError: setJoinError,
      onConversationCreated: (id) => createdRef.current?.(id),
      onSent: (id) => {
        setRefusal(null);
        sentRef.current?.(id);
      },
      onRefused: (message, error) => {
        setRefusal({ message: error.message, until: Date.now() + (error.retryInMs ?? 0) });
        refusedRef.current?.(message, sentFiles.current.get(message.clientMessageId) ?? []);
      },
    });
    link.current = current;
    return current.open();
  }, [dispatch]);
  const branches = useBranchActions(link, dispatch);
  const { clearActionError } = branches;

  const deliver = useCallback((message: OutgoingMessage) => {
    void link.current?.deliver(message);
  }, []);

  const send = useCallback(
    (
      text: string,
      agentIds: string[] | null,
      mode: TurnMode = "sequential",
      attachments: Attachment[] = [],
    ) => {
      const clientMessageId = newClientId();
      clearActionError();
      if (attachments.length > 0) sentFiles.current.set(clientMessageId, attachments);
      dispatch({
        type: "local_send",
        clientMessageId,
        text,
        agentIds,
        mode,
        attachments,
        createdAt: new Date().toISOString(),
      });
      deliver({ clientMessageId, text, agentIds, mode, attachmentIds: attachments.map((file) => file.id) });
    },
    [deliver, dispatch, clearActionError],
  );

  /** A failed send goes again with the same clientMessageId, so the server never runs it twice. */
  const resend = useCallback(
    (entry: UserEntry) => {
      if (!entry.clientMessageId) return;
      dispatch({ type: "send_retried", clientMessageId: entry.clientMessageId });
      deliver({
        clientMessageId: entry.clientMessageId,
        text: entry.text,
        agentIds: entry.agentIds,
        mode: entry.mode,
        attachmentIds: entry.attachments?.map((file) => file.id),
      });
    },
    [deliver, dispatch],
  );

  /** A failed answer is asked again, to the same agent, as a new message. */
  const retryRun = useCallback(
    (run: AssistantEntry) => {
      const prompt = promptFor(latest.current, run);
      if (prompt) send(prompt.text, [run.agentId], "sequential", prompt.attachments);
    },
    [latest, send],
  );

  const stop = useCallback(() => {
    const conversationId = latest.current.conversationId;
    if (!conversationId || activeRuns(latest.current).length === 0) return;
    getSocket()
      .timeout(CANCEL_TIMEOUT_MS)
      .emit("cancel_processing", { conversationId }, () => {});
  }, [latest]);

  /** Takes back a message still waiting for its answers; the room hears of it (message_removed). */
  const remove = useCallback(
    (messageId: string) => {
      const conversationId = latest.current.conversationId;
      if (!conversationId) return;
      getSocket()
        .timeout(CANCEL_TIMEOUT_MS)
        .emit("remove_message", { conversationId, messageId }, () => {});
    },
    [latest],
  );

  /** Stops one answer, e.g. one another agent asked for, leaving the others running. */
  const stopRun = useCallback(
    (messageId: string) => {
      const conversationId = latest.current.conversationId;
      if (!conversationId) return;
      getSocket()
        .timeout(CANCEL_TIMEOUT_MS)
        .emit("cancel_processing", { conversationId, messageId }, () => {});
    },
    [latest],
  );

  /** The owner's answer to a tool call waiting for approval; resolves with the server's acknowledgement. */
  const answerApproval = useCallback(
    (answer: ToolCallAnswer): Promise<Ack> =>
      link.current?.answerApproval(answer) ?? Promise.resolve({ ok: false, error: notConnected }),
    [],
  );

  return {
    state,
    joinError,
    refusal,
    send,
    resend,
    retryRun,
    stop,
    stopRun,
    remove,
    answerApproval,
    ...branches,
  };
}

export type ChatController = ReturnType<typeof useChat>;
export type { ChatState };
