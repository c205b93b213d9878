"use client";

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { PublicAgent } from "@/lib/agents/types";
import { agentActivity, queuedMessageIds } from "@/lib/client/activity";
import { splitNested } from "@/lib/client/nested";
import { activeRuns, isTerminal, visibleEntries } from "@/lib/client/state";
import type { Attachment, JoinConversationResult, TurnMode } from "@/lib/protocol";
import { AgentActivity } from "./agent-activity";
import { AppHeader } from "./app-header";
import { BranchesContext, NestedRunsContext, type OwnerActions, OwnerActionsContext } from "./chat-context";
import { Composer, type ComposerHandle } from "./composer";
import { ConversationUnavailable } from "./conversation-unavailable";
import { useConversations } from "./conversations";
import { EmptyState } from "./empty-state";
import { ErrorBanner } from "./error-banner";
import { ExportMenu } from "./export-menu";
import { AssistantMessage } from "./message-card";
import { MessageList, type MessageListHandle } from "./message-list";
import { RateLimitNotice } from "./rate-limit-notice";
import { ShareButton } from "./share-button";
import { useBranches } from "./use-branches";
import { useChat } from "./use-chat";
import { UserMessage } from "./user-message";

export type ChatViewProps = {
  agents: PublicAgent[];
  modelLabel: string | null;
  /** History rendered on the server; null for a new chat. */
  initial: JoinConversationResult | null;
} & (
  | { mode: "owner"; shareUrl: string | null; attachmentMaxBytes: number }
  | { mode: "shared"; shareId: string }
);

export function ChatView(props: ChatViewProps) {
  const { agents, modelLabel, initial } = props;
  const owner = props.mode === "owner";
  const agentNames = useMemo(
    () => Object.fromEntries(agents.map((agent) => [agent.id, agent.name])),
    [agents],
  );
  const [conversationId, setConversationId] = useState(initial?.conversation.id ?? null);
  const composer = useRef<ComposerHandle>(null);
  const list = useRef<MessageListHandle>(null);
  const [agent, setAgent] = useState(agents[0]?.id ?? "");
  const [turnMode, setTurnMode] = useState<TurnMode>("sequential");
  const conversations = useConversations();
  const refreshList = conversations?.refresh;
  const setActiveId = conversations?.setActiveId;
  useEffect(() => {
    setActiveId?.(conversationId);
    return () => setActiveId?.(null);
  }, [conversationId, setActiveId]);

  const chat = useChat({
    agentNames,
    initial,
    target:
      props.mode === "shared"
        ? { shareId: props.shareId }
        : initial
          ? { conversationId: initial.conversation.id }
          : null,
    onConversationCreated: (id) => {
      setConversationId(id);
      // The page keeps its state and its live runs; only the address changes.
      window.history.replaceState(window.history.state, "", `/c/${encodeURIComponent(id)}`);
    },
    onSent: () => void refreshList?.().catch(() => {}),
    // Refused over a limit: the text goes back into the composer, to send once the wait is over.
    onRefused: (message, attachments) => composer.current?.restore(message.text, attachments),
  });
  // A rename in the sidebar shows here at once.
  const title =
    conversations?.conversations.find((item) => item.id === conversationId)?.title ??
    initial?.conversation.title;
  const { state, stop: stopRuns, retryRun: retry } = chat;
  // Whatever the user pressed, they type next: focus goes back to the composer.
  const stop = useCallback(() => {
    stopRuns();
    composer.current?.focus();
  }, [stopRuns]);
  const busy = activeRuns(state).length > 0;
  const activity = useMemo(() => agentActivity(state), [state]);
  const queued = useMemo(() => queuedMessageIds(state), [state]);
  // The active branch; the others' runs go on in the state, out of sight.
  const visible = useMemo(() => visibleEntries(state), [state]);
  const visibleBusy = visible.some((entry) => entry.kind === "assistant" && !isTerminal(entry.phase));
  // Answers another agent asked for show inside the asking answer's card, not in the list.
  const { top, nested } = useMemo(() => splitNested(visible), [visible]);
  const { stopRun, answerApproval, edit: editMessage, regenerate: regenerateAnswer, showBranch } = chat;
  // What is asked again is answered at the bottom of the list: follow it there.
  const edit = useCallback(
    (messageId: string, text: string) => {
      editMessage(messageId, text);
      list.current?.scrollToLatest();
    },
    [editMessage],
  );
  const regenerate = useCallback(
    (messageId: string, agentId?: string) => {
      list.current?.scrollToLatest();
      return regenerateAnswer(messageId, agentId);
    },
    [regenerateAnswer],
  );
  const ownerActions = useMemo<OwnerActions>(
    () => (owner ? { stopRun, answerApproval, edit, regenerate, agents } : {}),
    [owner, stopRun, answerApproval, edit, regenerate, agents],
  );
  const branches = useBranches(state.entries, owner ? showBranch : undefined);
  const { unavailable } = state;

  // A conversation deleted in another tab leaves the sidebar too.
  useEffect(() => {
    if (unavailable) void refreshList?.().catch(() => {});
  }, [unavailable, refreshList]);

  useEffect(() => {
    if (!owner || !busy) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape" && !event.defaultPrevented) stop();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [owner, busy, stop]);

  const send = (text: string, agentIds: string[] | null, turnMode: TurnMode, attachments: Attachment[]) => {
    chat.send(text, agentIds, turnMode, attachments);
    list.current?.scrollToLatest();
    composer.current?.focus();
  };

  // Stable, so memoised cards do not all re-render on every streamed frame.
  const retryRun = useCallback(
    (run: Parameters<typeof retry>[0]) => {
      retry(run);
      list.current?.scrollToLatest();
      composer.current?.focus();
    },
    [retry],
  );

  return (
    <div className="flex h-dvh flex-col bg-white text-zinc-900 dark:bg-zinc-950 dark:text-zinc-100">
      <AppHeader
        modelLabel={modelLabel}
        title={title}
        withSidebar={owner}
        actions={
          owner && conversationId && !unavailable ? (
            <>
              <ExportMenu conversationId={conversationId} />
              <ShareButton conversationId={conversationId} initialShareUrl={props.shareUrl} />
            </>
          ) : null
        }
      />

      {unavailable ? (
        <ConversationUnavailable reason={unavailable} />
      ) : visible.length === 0 ? (
        <EmptyState
          agents={agents}
          readOnly={!owner}
          selected={agent}
          onSelect={(id) => {
            setAgent(id);
            composer.current?.focus();
          }}
        />
      ) : (
        <OwnerActionsContext value={ownerActions}>
          <BranchesContext value={branches}>
            <NestedRunsContext value={nested}>
              <MessageList ref={list} streaming={visibleBusy}>
                {top.map((entry) =>
                  entry.kind === "user" ? (
                    <UserMessage
                      key={entry.key}
                      entry={entry}
                      onResend={owner ? chat.resend : undefined}
                      queued={entry.id !== null && queued.has(entry.id)}
                      onRemove={owner ? chat.remove : undefined}
                      shareId={props.mode === "shared" ? props.shareId : undefined}
                    />
                  ) : (
                    <AssistantMessage key={entry.key} entry={entry} onRetry={owner ? retryRun : undefined} />
                  ),
                )}
              </MessageList>
            </NestedRunsContext>
          </BranchesContext>
        </OwnerActionsContext>
      )}

      <footer className="shrink-0 px-3 pb-3 sm:px-4 sm:pb-4">
        <div className="mx-auto w-full max-w-3xl">
          {chat.joinError && !unavailable ? (
            <div className="mb-2">
              <ErrorBanner title="Live updates unavailable" message={chat.joinError.message} />
            </div>
          ) : null}
          {chat.actionError && !unavailable ? (
            <div className="mb-2">
              <ErrorBanner
                title={chat.actionError.title}
                message={chat.actionError.message}
                onRetry={chat.actionError.retry}
                retryLabel="Try again"
              />
            </div>
          ) : null}
          {unavailable ? null : <AgentActivity items={activity} />}
          {unavailable ? null : owner ? (
            <>
              <RateLimitNotice refusal={chat.refusal} />
              <Composer
                ref={composer}
                agents={agents}
                agent={agent}
                onAgentChange={setAgent}
                mode={turnMode}
                onModeChange={setTurnMode}
                busy={busy}
                onSend={send}
                onStop={stop}
                attachmentMaxBytes={props.attachmentMaxBytes}
              />
              <p className="mt-2 hidden text-center text-xs text-zinc-400 sm:block dark:text-zinc-500">
                Enter to send · Shift+Enter for a new line{busy ? " · Esc to stop" : ""}
              </p>
            </>
          ) : (
            <p className="rounded-xl bg-zinc-100 px-4 py-3 text-center text-sm text-zinc-600 dark:bg-zinc-900 dark:text-zinc-400">
              You are reading a shared conversation. New answers appear here as they are written.
            </p>
          )}
        </div>
      </footer>
    </div>
  );
}
