import type { ChatEntry, ChatState } from "./types";

/** An agent's name, for answers known only by agentId (history, early events). */
export const nameOf = (state: ChatState, agentId: string) => state.agentNames[agentId] ?? agentId;

/** The key of the user message stored under this id, or null when it is not here. */
export function userKeyOf(entries: readonly ChatEntry[], id: string | null | undefined): string | null {
  if (!id) return null;
  return entries.find((entry) => entry.kind === "user" && entry.id === id)?.key ?? null;
}
