"use client";

import type { PublicAgent } from "@/lib/agents/types";
import type { TurnMode } from "@/lib/protocol";
import { AgentChoices } from "./agent-choices";
import { Icon } from "./icon";

/** Value of the option that asks every agent at once. */
export const ALL_AGENTS = "*";
/** Joins the ids of a chosen set of agents in a picker value: "atlas,quill". */
const SEPARATOR = ",";

type Props = { agents: PublicAgent[]; value: string; onChange: (value: string) => void };

function inRosterOrder(ids: Iterable<string>, agents: PublicAgent[]): string[] {
  const named = new Set(ids);
  return agents.filter((agent) => named.has(agent.id)).map((agent) => agent.id);
}

/** The agents a picker value asks, in roster order; null when it names none of them. */
export function agentIdsFor(value: string, agents: PublicAgent[]): string[] | null {
  if (value === ALL_AGENTS) return agents.map((agent) => agent.id);
  const ids = inRosterOrder(value.split(SEPARATOR), agents);
  return ids.length > 0 ? ids : null;
}

/** The picker value that asks these agents: one id, several joined, ALL_AGENTS for the whole roster. */
export function pickerValueFor(ids: string[], agents: PublicAgent[]): string | null {
  const chosen = inRosterOrder(ids, agents);
  if (chosen.length === 0) return null;
  if (chosen.length > 1 && chosen.length === agents.length) return ALL_AGENTS;
  return chosen.join(SEPARATOR);
}

/** A value as the picker shows it: agents gone from the roster dropped, the first agent if none is left. */
export function currentPickerValue(value: string, agents: PublicAgent[]): string {
  return pickerValueFor(agentIdsFor(value, agents) ?? [], agents) ?? agents[0]?.id ?? "";
}

function namesOf(ids: string[], agents: PublicAgent[]): string {
  return agents
    .filter((agent) => ids.includes(agent.id))
    .map((agent) => agent.name)
    .join(", ");
}

export function AgentPicker({ agents, value, onChange }: Props) {
  if (agents.length === 0) return null;
  const current = currentPickerValue(value, agents);
  const chosen = agentIdsFor(current, agents) ?? [];
  const subset = chosen.length > 1 && current !== ALL_AGENTS;
  const title =
    chosen.length === 1 ? agents.find((agent) => agent.id === current)?.description : namesOf(chosen, agents);
  return (
    <div className="relative flex min-w-0 items-center gap-1">
      <label className="relative inline-flex min-w-0 items-center">
        <span className="sr-only">Answer with</span>
        <select
          data-testid="agent-picker"
          value={current}
          onChange={(event) => onChange(event.target.value)}
          title={title}
          className="min-w-0 max-w-48 cursor-pointer appearance-none truncate rounded-lg border border-transparent bg-zinc-100 py-1.5 pr-7 pl-2.5 text-sm font-medium text-zinc-700 hover:bg-zinc-200 focus-visible:border-indigo-400 focus-visible:outline-none dark:bg-zinc-800 dark:text-zinc-200 dark:hover:bg-zinc-700"
        >
          {agents.map((agent) => (
            <option key={agent.id} value={agent.id}>
              {agent.name}
            </option>
          ))}
          {subset ? <option value={current}>{namesOf(chosen, agents)}</option> : null}
          {agents.length > 1 ? <option value={ALL_AGENTS}>All agents</option> : null}
        </select>
        <Icon name="chevronDown" className="pointer-events-none absolute right-2 size-4 text-zinc-500" />
      </label>
      {agents.length > 1 ? (
        <AgentChoices
          agents={agents}
          chosen={chosen}
          onChange={(ids) => onChange(pickerValueFor(ids, agents) ?? current)}
        />
      ) : null}
    </div>
  );
}

const TURN_MODES: Array<{ mode: TurnMode; label: string; title: string }> = [
  {
    mode: "sequential",
    label: "In turn",
    title: "The agents answer one after another, each seeing the answers before its own",
  },
  { mode: "parallel", label: "At once", title: "The agents answer at the same time, side by side" },
];

/** How several agents asked at once answer: in turn or side by side. */
export function TurnModeToggle({ value, onChange }: { value: TurnMode; onChange: (mode: TurnMode) => void }) {
  return (
    <fieldset
      data-testid="turn-mode"
      className="inline-flex shrink-0 rounded-lg bg-zinc-100 p-0.5 text-xs font-medium dark:bg-zinc-800"
    >
      <legend className="sr-only">How the agents answer</legend>
      {TURN_MODES.map(({ mode, label, title }) => (
        <button
          key={mode}
          type="button"
          aria-pressed={value === mode}
          data-mode={mode}
          title={title}
          onClick={() => onChange(mode)}
          className={`rounded-md px-2 py-1 transition-colors focus-visible:outline-2 focus-visible:outline-indigo-500 ${
            value === mode
              ? "bg-white text-zinc-900 shadow-sm dark:bg-zinc-700 dark:text-zinc-100"
              : "text-zinc-500 hover:text-zinc-700 dark:text-zinc-400 dark:hover:text-zinc-200"
          }`}
        >
          {label}
        </button>
      ))}
    </fieldset>
  );
}
