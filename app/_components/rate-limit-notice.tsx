"use client";

import type { Refusal } from "./use-chat";
import { useNow } from "./use-now";

/** "You're sending messages too fast — try again in 12 s.", or null once the wait is over. */
export function refusalText(refusal: Refusal, now: number): string | null {
  const seconds = Math.ceil((refusal.until - now) / 1000);
  if (seconds <= 0) return null;
  return `${refusal.message.trim().replace(/[.!]$/, "")} — try again in ${seconds} s.`;
}

/** Near the composer after a send was refused over a limit, counting down. */
export function RateLimitNotice({ refusal }: { refusal: Refusal | null }) {
  const now = useNow(refusal !== null, 250);
  const text = refusal && now !== null ? refusalText(refusal, now) : null;
  if (!text) return null;
  return (
    <p
      data-testid="rate-limit-notice"
      role="status"
      className="mb-2 rounded-xl border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-900/60 dark:bg-amber-950/40 dark:text-amber-200"
    >
      {text}
    </p>
  );
}
