import type { AssistantEntry } from "./run";
import type { ChatEntry } from "./types";

/** Answers other agents asked for, by the asking answer and call (see callKey), in order of appearance. */
export type NestedRuns = ReadonlyMap<string, readonly AssistantEntry[]>;

/** The key of one `ask_agent` call in NestedRuns. */
export const callKey = (messageId: string, toolCallId: string) => `${messageId}\n${toolCallId}`;

/**
 * Splits the entries into those the message list shows and the answers other
 * agents asked for, which show inside the card of the call that asked. An
 * asked answer whose asker is not in the list stays in the list, so it is
 * never lost from view.
 */
export function splitNested(entries: readonly ChatEntry[]): { top: ChatEntry[]; nested: NestedRuns } {
  const answers = new Set<string>();
  for (const entry of entries) if (entry.kind === "assistant") answers.add(entry.id);
  const top: ChatEntry[] = [];
  const nested = new Map<string, AssistantEntry[]>();
  for (const entry of entries) {
    if (entry.kind === "user" || !entry.parent || !answers.has(entry.parent.messageId)) {
      top.push(entry);
      continue;
    }
    const key = callKey(entry.parent.messageId, entry.parent.toolCallId);
    const list = nested.get(key);
    if (list) list.push(entry);
    else nested.set(key, [entry]);
  }
  return { top, nested };
}
