"use client";

import { useSyncExternalStore } from "react";
import { type ConnectionState, getConnectionState, subscribeConnectionState } from "@/lib/client/socket";

const labels: Record<ConnectionState, string> = {
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Reconnecting…",
  disconnected: "Offline",
};

const dots: Record<ConnectionState, string> = {
  connecting: "bg-amber-400 animate-pulse",
  connected: "bg-emerald-500",
  reconnecting: "bg-amber-400 animate-pulse",
  disconnected: "bg-red-500",
};

export function ConnectionStatus() {
  const state = useSyncExternalStore(
    subscribeConnectionState,
    getConnectionState,
    () => "connecting" as const,
  );
  return (
    <span
      data-testid="connection-status"
      data-state={state}
      role="status"
      title={labels[state]}
      className="inline-flex items-center gap-1.5 whitespace-nowrap rounded-full px-2 py-1 text-xs font-medium text-zinc-600 dark:text-zinc-400"
    >
      <span aria-hidden className={`size-2 rounded-full ${dots[state]}`} />
      {/* On a phone the dot says it; the words stay for screen readers. */}
      <span className="sr-only sm:not-sr-only">{labels[state]}</span>
    </span>
  );
}
