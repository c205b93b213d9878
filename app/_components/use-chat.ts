"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import {
  type AssistantEntry,
  activeRuns,
  type ChatState,
  chatReducer,
  initialChatState,
  promptFor,
  type ServerEvent,
  type UserEntry,
} from "@/lib/chat/client-state";
import { ConversationSync } from "@/lib/chat/conversation-sync";
import type { ErrorInfo, JoinConversationPayload, JoinConversationResult } from "@/lib/protocol";
import { serverEvents } from "@/lib/protocol/events";
import { getSocket, onConnect } from "@/lib/realtime/client";
import { newClientId } from "./client-id";
import { useFrameReducer } from "./use-frame-reducer";

// Sends wait in Socket.IO's buffer while offline; past this the user is told and may retry.
const SEND_TIMEOUT_MS = 20_000;
const JOIN_TIMEOUT_MS = 15_000;

const timeoutError: ErrorInfo = {
  code: "timeout",
  message: "The server did not answer in time. Check your connection and try again.",
};

const isServerEvent = (name: string): name is ServerEvent["name"] =>
  (serverEvents as readonly string[]).includes(name);

export type UseChatOptions = {
  agentNames: Record<string, string>;
  initial: JoinConversationResult | null;
  /** What to join; null on a new chat until its first message creates the conversation. */
  target: JoinConversationPayload | null;
  onConversationCreated?: (conversationId: string) => void;
};

export function useChat({ agentNames, initial, target, onConversationCreated }: UseChatOptions) {
  const { state, dispatch, latest } = useFrameReducer(chatReducer, () =>
    initialChatState({ agentNames, snapshot: initial }),
  );
  const [joinError, setJoinError] = useState<ErrorInfo | null>(null);
  const targetRef = useRef(target);
  // A second send on a new chat must wait for the first to create the conversation.
  const creating = useRef<Promise<string | null> | null>(null);
  const createdRef = useRef(onConversationCreated);
  createdRef.current = onConversationCreated;

  useEffect(() => {
    const socket = getSocket();
    const sync = new ConversationSync(dispatch);
    const onAny = (name: string, payload: unknown) => {
      if (isServerEvent(name)) sync.receive({ name, payload } as ServerEvent);
    };
    const join = () => {
      const joinTarget = targetRef.current;
      if (!joinTarget) return;
      sync.beginJoin();
      // Callback acks run in the same tick as the packet, before any later event is handled.
      socket.timeout(JOIN_TIMEOUT_MS).emit("join_conversation", joinTarget, (err, ack) => {
        if (err || !ack.ok) {
          sync.failed();
          setJoinError(err ? timeoutError : ack.ok ? null : ack.error);
          return;
        }
        setJoinError(null);
        sync.joined(ack);
      });
    };
    socket.onAny(onAny);
    const offConnect = onConnect(({ recovered }) => {
      if (!recovered) join();
    });
    if (socket.connected) join();
    return () => {
      offConnect();
      socket.offAny(onAny);
      const conversationId = latest.current.conversationId;
      if (conversationId && "conversationId" in (targetRef.current ?? {})) {
        socket.emit("leave_conversation", { conversationId }, () => {});
      }
    };
  }, [dispatch, latest]);

  const deliver = useCallback(
    async (clientMessageId: string, text: string, agentIds: string[] | null) => {
      const socket = getSocket();
      let conversationId = latest.current.conversationId;
      if (!conversationId && creating.current) conversationId = await creating.current;

      let settle: (id: string | null) => void = () => {};
      if (!conversationId) {
        creating.current = new Promise((resolve) => {
          settle = resolve;
        });
      }
      const payload = {
        ...(conversationId ? { conversationId } : {}),
        ...(agentIds ? { agentIds } : {}),
        text,
        clientMessageId,
      };
      socket.timeout(SEND_TIMEOUT_MS).emit("send_message", payload, (err, ack) => {
        if (err || !ack.ok) {
          dispatch({
            type: "send_failed",
            clientMessageId,
            error: err ? timeoutError : ack.ok ? timeoutError : ack.error,
          });
          settle(null);
          if (!conversationId) creating.current = null;
          return;
        }
        dispatch({ type: "send_acked", clientMessageId, result: ack });
        settle(ack.conversationId);
        if (!conversationId) {
          targetRef.current = { conversationId: ack.conversationId };
          createdRef.current?.(ack.conversationId);
        }
      });
    },
    [dispatch, latest],
  );

  const send = useCallback(
    (text: string, agentIds: string[] | null) => {
      const clientMessageId = newClientId();
      dispatch({ type: "local_send", clientMessageId, text, agentIds, createdAt: new Date().toISOString() });
      void deliver(clientMessageId, text, agentIds);
    },
    [deliver, dispatch],
  );

  /** A failed send goes again with the same clientMessageId, so the server never runs it twice. */
  const resend = useCallback(
    (entry: UserEntry) => {
      if (!entry.clientMessageId) return;
      dispatch({ type: "send_retried", clientMessageId: entry.clientMessageId });
      void deliver(entry.clientMessageId, entry.text, entry.agentIds);
    },
    [deliver, dispatch],
  );

  /** A failed answer is asked again, to the same agent, as a new message. */
  const retryRun = useCallback(
    (run: AssistantEntry) => {
      const prompt = promptFor(latest.current, run);
      if (prompt) send(prompt.text, [run.agentId]);
    },
    [latest, send],
  );

  const stop = useCallback(() => {
    const conversationId = latest.current.conversationId;
    if (!conversationId || activeRuns(latest.current).length === 0) return;
    getSocket()
      .timeout(SEND_TIMEOUT_MS)
      .emit("cancel_processing", { conversationId }, () => {});
  }, [latest]);

  return { state, joinError, send, resend, retryRun, stop };
}

export type ChatController = ReturnType<typeof useChat>;
export type { ChatState };
