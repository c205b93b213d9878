"use client";

import { memo, useEffect, useState } from "react";
import { tokenRate } from "@/lib/client/run";
import { type AssistantEntry, displayStatus, type UserEntry } from "@/lib/client/state";
import { MessageAttachments } from "./attachments";
import { ErrorBanner } from "./error-banner";
import { avatarColor, formatDuration, formatRate } from "./format";
import { MessageParts, segmentsOf } from "./message-parts";
import { ProgressBar } from "./progress-bar";
import { ThinkingIndicator } from "./thinking-indicator";
import { useSettings } from "./use-settings";
import { useTypewriter } from "./use-typewriter";

type UserProps = {
  entry: UserEntry;
  onResend?: (entry: UserEntry) => void;
  /** Its answers all wait for the agents at work. */
  queued?: boolean;
  /** Takes it back while it is queued (the owner only). */
  onRemove?: (messageId: string) => void;
  /** The share link the page was opened by: its files are read through it. */
  shareId?: string;
};

export const UserMessage = memo(function UserMessage({
  entry,
  onResend,
  queued,
  onRemove,
  shareId,
}: UserProps) {
  return (
    <div
      data-testid="message"
      data-role="user"
      data-message-id={entry.id ?? undefined}
      data-client-message-id={entry.clientMessageId ?? undefined}
      data-send-state={entry.sendState}
      className="flex flex-col items-end"
    >
      {entry.attachments?.length ? (
        <MessageAttachments attachments={entry.attachments} shareId={shareId} />
      ) : null}
      {entry.text.trim() ? (
        <div
          className={`max-w-[85%] whitespace-pre-wrap break-words rounded-2xl rounded-br-md bg-indigo-600 px-4 py-2.5 text-[15px] leading-relaxed text-white shadow-sm dark:bg-indigo-500 ${
            entry.sendState === "pending" ? "opacity-80" : ""
          }`}
        >
          {entry.text}
        </div>
      ) : null}
      {queued && entry.id ? (
        <p
          data-testid="queued-message"
          className="mt-1 flex items-center gap-2 text-xs text-zinc-500 dark:text-zinc-400"
        >
          <span>Queued: starts when the agents at work are done</span>
          {onRemove ? (
            <button
              type="button"
              data-testid="remove-message"
              onClick={() => entry.id && onRemove(entry.id)}
              className="rounded-md px-1.5 py-0.5 font-medium text-zinc-600 underline-offset-2 hover:bg-zinc-100 hover:underline focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-zinc-300 dark:hover:bg-zinc-800"
            >
              Remove
            </button>
          ) : null}
        </p>
      ) : null}
      {entry.sendState === "failed" ? (
        <div className="w-full max-w-[85%]">
          <ErrorBanner
            title="Not sent"
            message={entry.sendError?.message ?? "The message could not be sent."}
            onRetry={onResend ? () => onResend(entry) : undefined}
          />
        </div>
      ) : null}
    </div>
  );
});

const BAR_LINGER_MS = 2_000;

type AssistantProps = { entry: AssistantEntry; onRetry?: (entry: AssistantEntry) => void };

function footerText(entry: AssistantEntry): string | null {
  const parts: string[] = [];
  if (entry.finishedAt !== null && entry.startedAt !== null) {
    parts.push(formatDuration(entry.finishedAt - entry.startedAt));
  }
  if (entry.tokenCount > 0) parts.push(`${entry.tokenCount} tokens`);
  const rate = tokenRate(entry);
  if (rate !== null) parts.push(formatRate(rate));
  if (entry.finishReason === "length") parts.push("cut off at the length limit");
  return parts.length > 0 ? parts.join(" · ") : null;
}

export const AssistantMessage = memo(function AssistantMessage({ entry, onRetry }: AssistantProps) {
  const [settings] = useSettings();
  const typewriter = settings.streaming === "typewriter" && entry.live && entry.phase !== "cancelled";
  const shownLength = useTypewriter(entry.text, {
    enabled: typewriter,
    charsPerSecond: settings.typewriterPace,
  });
  const revealing = shownLength < entry.text.length;
  const runStatus = displayStatus(entry.phase);
  // What the reader sees: an answer still being typed out is still streaming to them.
  const status = revealing && runStatus === "complete" ? "streaming" : runStatus;
  const segments = segmentsOf(entry, shownLength, settings.reasoning !== "hidden");
  // Reasoning or a tool call on screen already shows the model at work; the spinner is for when nothing does.
  const waitingForText = segments.length === 0 && (status === "thinking" || status === "streaming");
  const finished = status === "complete" && entry.live;
  // A finished bar stays at 100 for a moment, then gives its row to the answer's statistics.
  const [barDone, setBarDone] = useState(false);
  useEffect(() => {
    if (!finished) return;
    const timer = setTimeout(() => setBarDone(true), BAR_LINGER_MS);
    return () => clearTimeout(timer);
  }, [finished]);
  const showProgress = entry.live && (status === "streaming" || (finished && !barDone));
  const retry = onRetry ? () => onRetry(entry) : undefined;
  const footer = finished && barDone ? footerText(entry) : null;
  const progress =
    revealing && entry.text.length > 0 ? entry.progress * (shownLength / entry.text.length) : entry.progress;

  return (
    <article
      data-testid="message"
      data-role="assistant"
      data-message-id={entry.id}
      data-agent-id={entry.agentId}
      data-status={status}
      aria-busy={status === "thinking" || status === "streaming"}
      aria-label={`${entry.agentName}'s answer`}
      className="flex gap-3"
    >
      <div
        aria-hidden
        className={`mt-0.5 flex size-8 shrink-0 items-center justify-center rounded-full text-sm font-semibold text-white ${avatarColor(entry.agentId)}`}
      >
        {entry.agentName.slice(0, 1).toUpperCase()}
      </div>
      <div className="min-w-0 flex-1">
        <header className="flex flex-wrap items-baseline gap-x-2 text-sm">
          <span className="font-semibold text-zinc-900 dark:text-zinc-100">{entry.agentName}</span>
          {entry.model ? (
            <span className="truncate text-xs text-zinc-500 dark:text-zinc-400">{entry.model}</span>
          ) : null}
        </header>

        {waitingForText ? <ThinkingIndicator agentName={entry.agentName} waiting={entry.waiting} /> : null}

        <MessageParts
          segments={segments}
          streaming={status === "streaming"}
          live={entry.live}
          keepReasoningOpen={settings.reasoning === "open"}
        />

        {showProgress ? (
          <ProgressBar
            progress={progress}
            etaMs={revealing ? null : entry.etaMs}
            tokensPerSecond={tokenRate(entry)}
            done={status === "complete"}
          />
        ) : null}

        {entry.phase === "cancelled" ? (
          <p className="mt-2 text-xs font-medium text-zinc-500 dark:text-zinc-400">Stopped</p>
        ) : null}
        {entry.phase === "error" ? (
          <ErrorBanner
            title={`${entry.agentName} could not finish`}
            message={entry.error?.message ?? "Something went wrong."}
            onRetry={entry.retryable ? retry : undefined}
          />
        ) : null}
        {entry.phase === "interrupted" ? (
          <ErrorBanner
            title="Interrupted — the server restarted"
            message="This answer stopped when the server restarted."
            onRetry={retry}
          />
        ) : null}
        {footer ? (
          <p className="mt-3 h-4 text-xs leading-4 text-zinc-400 motion-safe:animate-[fade-in_300ms_ease-out] dark:text-zinc-500">
            {footer}
          </p>
        ) : null}
      </div>
    </article>
  );
});
