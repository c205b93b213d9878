"use client";

import { memo, useContext, useEffect, useState } from "react";
import { waitsOnOthers } from "@/lib/client/activity";
import { callKey } from "@/lib/client/nested";
import { isTerminal, tokenRate } from "@/lib/client/run";
import { type AssistantEntry, displayStatus } from "@/lib/client/state";
import { BranchSwitcher } from "./branch-switcher";
import { NestedRunsContext, OwnerActionsContext } from "./chat-context";
import { ErrorBanner } from "./error-banner";
import { avatarColor, formatDuration, formatRate } from "./format";
import { MessageParts, segmentsOf } from "./message-parts";
import { ProgressBar } from "./progress-bar";
import { RegenerateControls } from "./regenerate-menu";
import { ThinkingIndicator } from "./thinking-indicator";
import { useSettings } from "./use-settings";
import { useTypewriter } from "./use-typewriter";

const BAR_LINGER_MS = 2_000;

type AssistantProps = {
  entry: AssistantEntry;
  onRetry?: (entry: AssistantEntry) => void;
  /** Stops this answer alone: offered on an answer another agent asked for, to the owner. */
  onStop?: (messageId: string) => void;
};

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

/**
 * One agent's answer. An answer another agent asked for (`entry.parent`)
 * renders compact, inside the card of the call that asked, and carries
 * `data-parent-message-id`.
 */
export const AssistantMessage = memo(function AssistantMessage({ entry, onRetry, onStop }: AssistantProps) {
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
  const footer = finished && barDone ? footerText(entry) : null;
  const progress =
    revealing && entry.text.length > 0 ? entry.progress * (shownLength / entry.text.length) : entry.progress;
  const nested = entry.parent !== null;
  // Only a settled answer in the tree can be given again; one another agent asked for cannot.
  const regenerable = !nested && isTerminal(entry.phase) && !revealing && entry.parentId !== undefined;

  return (
    <article
      data-testid="message"
      data-role="assistant"
      data-message-id={entry.id}
      data-agent-id={entry.agentId}
      data-parent-message-id={entry.parent?.messageId}
      data-status={status}
      aria-busy={status === "thinking" || status === "streaming"}
      aria-label={`${entry.agentName}'s answer`}
      className={
        nested
          ? "flex gap-2.5 rounded-lg border border-zinc-200 bg-white px-3 py-2.5 shadow-xs dark:border-zinc-800 dark:bg-zinc-950/70"
          : "flex gap-3"
      }
    >
      <div
        aria-hidden
        className={`flex shrink-0 items-center justify-center rounded-full font-semibold text-white ${avatarColor(entry.agentId)} ${
          nested ? "size-6 text-xs" : "mt-0.5 size-8 text-sm"
        }`}
      >
        {entry.agentName.slice(0, 1).toUpperCase()}
      </div>
      <div className="min-w-0 flex-1">
        <AnswerHeader entry={entry} onStop={onStop} />

        {waitingForText ? <ThinkingIndicator agentName={entry.agentName} waiting={entry.waiting} /> : null}

        <MessageParts
          segments={segments}
          messageId={entry.id}
          agentName={entry.agentName}
          Nested={NestedAnswers}
          streaming={status === "streaming"}
          live={entry.live}
          keepReasoningOpen={settings.reasoning === "open"}
        />

        <AnswerEnding entry={entry} onRetry={onRetry} />
        {/* One row that keeps its place: the switcher, then the bar while it runs, then what can be done and its figures. */}
        <div className="mt-3 flex h-4 items-center gap-1.5 empty:hidden">
          {nested ? null : <BranchSwitcher entryKey={entry.key} className="-ml-1.5" />}
          {showProgress ? (
            <ProgressBar
              progress={progress}
              etaMs={revealing || waitsOnOthers(entry) ? null : entry.etaMs}
              tokensPerSecond={tokenRate(entry)}
              done={status === "complete"}
            />
          ) : (
            <>
              {regenerable ? (
                <RegenerateControls
                  messageId={entry.id}
                  agentId={entry.agentId}
                  agentName={entry.agentName}
                />
              ) : null}
              {footer ? (
                <p className="ml-1 text-xs leading-4 text-zinc-400 motion-safe:animate-[fade-in_300ms_ease-out] dark:text-zinc-500">
                  {footer}
                </p>
              ) : null}
            </>
          )}
        </div>
      </div>
    </article>
  );
});

function AnswerHeader({ entry, onStop }: Pick<AssistantProps, "entry" | "onStop">) {
  const stoppable = onStop && !isTerminal(entry.phase);
  return (
    <header className="flex flex-wrap items-baseline gap-x-2 text-sm">
      <span className="font-semibold text-zinc-900 dark:text-zinc-100">{entry.agentName}</span>
      {entry.model ? (
        <span className="truncate text-xs text-zinc-500 dark:text-zinc-400">{entry.model}</span>
      ) : null}
      {stoppable ? (
        <button
          type="button"
          data-testid="stop-run"
          aria-label={`Stop ${entry.agentName}'s answer`}
          onClick={() => onStop(entry.id)}
          className="ml-auto inline-flex items-center gap-1 rounded-md px-1.5 py-0.5 text-xs font-medium text-zinc-500 hover:bg-zinc-100 hover:text-zinc-800 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-zinc-400 dark:hover:bg-zinc-800 dark:hover:text-zinc-100"
        >
          <span aria-hidden className="size-2 rounded-[2px] bg-current" />
          Stop
        </button>
      ) : null}
    </header>
  );
}

/** How an answer that did not complete ended: stopped, failed, or cut off by a restart. */
function AnswerEnding({ entry, onRetry }: Pick<AssistantProps, "entry" | "onRetry">) {
  const retry = onRetry ? () => onRetry(entry) : undefined;
  if (entry.phase === "cancelled")
    return <p className="mt-2 text-xs font-medium text-zinc-500 dark:text-zinc-400">Stopped</p>;
  if (entry.phase === "error") {
    return (
      <ErrorBanner
        title={`${entry.agentName} could not finish`}
        message={entry.error?.message ?? "Something went wrong."}
        onRetry={entry.retryable ? retry : undefined}
      />
    );
  }
  if (entry.phase === "interrupted") {
    return (
      <ErrorBanner
        title="Interrupted — the server restarted"
        message="This answer stopped when the server restarted."
        onRetry={retry}
      />
    );
  }
  return null;
}

/** The answers one `ask_agent` call asked for, live: they render again as they stream, the asking card does not. */
function NestedAnswers({ messageId, toolCallId }: { messageId: string; toolCallId: string }) {
  const runs = useContext(NestedRunsContext).get(callKey(messageId, toolCallId));
  const { stopRun } = useContext(OwnerActionsContext);
  if (!runs) return null;
  return (
    <div className="space-y-2">
      {runs.map((run) => (
        <AssistantMessage key={run.key} entry={run} onStop={stopRun} />
      ))}
    </div>
  );
}
