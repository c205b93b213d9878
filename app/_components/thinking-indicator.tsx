"use client";

import { useState } from "react";
import type { WaitingInfo } from "@/lib/client/state";
import { useNow } from "./use-now";

type Props = { agentName: string; waiting: WaitingInfo | null };

export function ThinkingIndicator({ agentName, waiting }: Props) {
  // Counted from when this browser started waiting: server timestamps come from another clock.
  const [since] = useState(() => Date.now());
  const now = useNow(true);
  const elapsed = now === null ? 0 : Math.floor((now - since) / 1000);
  return (
    <div className="flex items-start gap-3 py-1">
      <div
        data-testid="thinking-indicator"
        data-waiting={waiting?.status}
        className="flex min-w-0 flex-col gap-0.5"
        role="status"
      >
        <span className="flex items-center gap-2 text-sm text-zinc-600 dark:text-zinc-300">
          <span
            aria-hidden
            className="size-4 shrink-0 animate-spin rounded-full border-2 border-zinc-300 border-t-indigo-500 dark:border-zinc-600 dark:border-t-indigo-400"
          />
          <span>{agentName} is thinking…</span>
        </span>
        {waiting?.detail ? (
          <span className="pl-6 text-xs text-zinc-500 dark:text-zinc-400">{waiting.detail}</span>
        ) : null}
      </div>
      {elapsed >= 3 ? (
        <span className="pt-0.5 text-xs tabular-nums text-zinc-400 dark:text-zinc-500">{elapsed} s</span>
      ) : null}
    </div>
  );
}
