import type { AssistantEntry } from "./run";
import { activeRuns } from "./state";
import type { ChatState } from "./types";

/** What an agent is doing right now, as the activity strip names it. */
export type Activity = "queued" | "thinking" | "reasoning" | "tool" | "writing" | "waiting-approval";

export type ActivityItem = {
  agentId: string;
  agentName: string;
  /** The answer the activity belongs to. */
  messageId: string;
  activity: Activity;
  /** The activity in words: "Quill is calling calculator…". */
  words: string;
};

/**
 * Every agent at work in the conversation, one item each, in the order their
 * answers appear: what its answer under way (or, when it has none, its next
 * queued one) is doing, read from the answer's phase and its latest part.
 * Built from the chat state alone, so it is the same for every viewer and
 * right again after a reload or a reconnect.
 */
export function agentActivity(state: ChatState): ActivityItem[] {
  const byAgent = new Map<string, AssistantEntry>();
  for (const run of activeRuns(state)) {
    const current = byAgent.get(run.agentId);
    if (!current || (current.phase === "queued" && run.phase !== "queued")) byAgent.set(run.agentId, run);
  }
  return [...byAgent.values()].map((run) => {
    const { activity, tool } = activityOf(run);
    return {
      agentId: run.agentId,
      agentName: run.agentName,
      messageId: run.id,
      activity,
      words: wordsFor(run.agentName, activity, tool, askedBy(run, state)),
    };
  });
}

/** The name of the agent a run is asking, while its latest part is an `ask_agent` call that names one. */
function askedBy(run: AssistantEntry, state: ChatState): string | null {
  const last = run.parts.at(-1);
  if (last?.type !== "tool" || last.toolName !== "ask_agent") return null;
  const agentId = (last.input as { agentId?: unknown } | null | undefined)?.agentId;
  return typeof agentId === "string" ? (state.agentNames[agentId] ?? agentId) : null;
}

function activityOf(run: AssistantEntry): { activity: Activity; tool?: string } {
  // Waiting for its turn, as the server said (or, for answers asked in turn, as the acknowledgement foretold).
  if (run.waiting?.status === "queued") return { activity: "queued" };
  const last = run.parts.at(-1);
  if (run.phase !== "streaming" || !last) return { activity: "thinking" };
  if (last.type === "reasoning") return { activity: "reasoning" };
  if (last.type === "text") return { activity: "writing" };
  if (last.state === "approval-requested") return { activity: "waiting-approval", tool: last.toolName };
  if (last.state === "input-streaming" || last.state === "input-available")
    return { activity: "tool", tool: last.toolName };
  // A tool has answered: the model is at work on its next step.
  return { activity: "thinking" };
}

/**
 * The answer waits on someone else — the owner's approval, or an agent it
 * asked — so no estimate of its time left holds until they are done.
 */
export function waitsOnOthers(run: AssistantEntry): boolean {
  const last = run.parts.at(-1);
  if (last?.type !== "tool") return false;
  return (
    last.state === "approval-requested" || (last.toolName === "ask_agent" && last.state === "input-available")
  );
}

function wordsFor(name: string, activity: Activity, tool = "a tool", asked: string | null = null): string {
  switch (activity) {
    case "queued":
      return `${name} is waiting for its turn`;
    case "thinking":
      return `${name} is thinking…`;
    case "reasoning":
      return `${name} is reasoning…`;
    case "tool":
      return asked ? `${name} is asking ${asked}…` : `${name} is calling ${tool}…`;
    case "writing":
      return `${name} is writing…`;
    case "waiting-approval":
      return `${name} is waiting for approval to run ${tool}`;
  }
}

/**
 * The user messages whose answers all still wait for their turn: they can be
 * taken back. An answer belongs to the message it replies to, else to the
 * nearest message above it.
 */
export function queuedMessageIds(state: ChatState): Set<string> {
  const answers = new Map<string, AssistantEntry[]>();
  let current: string | null = null;
  for (const entry of state.entries) {
    if (entry.kind === "user") {
      current = entry.key;
      continue;
    }
    // An answer another agent asked for belongs to its asker's turn, not to a message.
    if (entry.parent) continue;
    const owner = entry.replyTo ?? current;
    if (!owner) continue;
    const list = answers.get(owner);
    if (list) list.push(entry);
    else answers.set(owner, [entry]);
  }
  const queued = new Set<string>();
  for (const entry of state.entries) {
    if (entry.kind !== "user" || !entry.id) continue;
    const runs = answers.get(entry.key) ?? [];
    if (runs.length > 0 && runs.every((run) => run.waiting?.status === "queued" && run.phase === "queued"))
      queued.add(entry.id);
  }
  return queued;
}
