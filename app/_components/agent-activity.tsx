"use client";

import type { ActivityItem } from "@/lib/client/activity";
import { avatarColor } from "./format";

/** An agent's initial in its colour, at the size of a line of small text. */
export function SmallAvatar({ agentId, name }: { agentId: string; name: string }) {
  return (
    <span
      aria-hidden
      className={`flex size-5 shrink-0 items-center justify-center rounded-full text-[10px] font-semibold text-white ${avatarColor(agentId)}`}
    >
      {name.slice(0, 1).toUpperCase()}
    </span>
  );
}

/**
 * Above the composer: every agent at work in this conversation, one pill
 * each, with what it is doing in words. Empty (and taking no room) when no
 * agent is at work; announced politely to screen readers as it changes.
 */
export function AgentActivity({ items }: { items: ActivityItem[] }) {
  return (
    <ul
      data-testid="agent-activity"
      aria-label="Agents at work"
      aria-live="polite"
      className="mb-2 flex flex-wrap gap-1.5 empty:mb-0"
    >
      {items.map((item) => (
        <li
          key={item.agentId}
          data-testid="agent-activity-item"
          data-agent-id={item.agentId}
          data-activity={item.activity}
          data-message-id={item.messageId}
          className="animate-[fade-in_150ms_ease-out] inline-flex max-w-full items-center gap-1.5 rounded-full border border-zinc-200 bg-white py-1 pr-2.5 pl-1 text-xs text-zinc-600 shadow-xs dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-300"
        >
          <SmallAvatar agentId={item.agentId} name={item.agentName} />
          <span className="truncate">{item.words}</span>
          <span
            aria-hidden
            className={`size-1.5 shrink-0 rounded-full ${
              item.activity === "queued"
                ? "bg-zinc-300 dark:bg-zinc-600"
                : item.activity === "waiting-approval"
                  ? "bg-amber-500"
                  : "animate-pulse bg-indigo-500"
            }`}
          />
        </li>
      ))}
    </ul>
  );
}
