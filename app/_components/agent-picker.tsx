"use client";

import type { PublicAgent } from "@/lib/agents/types";
import type { TurnMode } from "@/lib/protocol";
import { Icon } from "./icon";

/** Value of the option that asks every agent at once. */
export const ALL_AGENTS = "*";

type Props = { agents: PublicAgent[]; value: string; onChange: (value: string) => void };

export function agentIdsFor(value: string, agents: PublicAgent[]): string[] | null {
  if (value === ALL_AGENTS) return agents.map((agent) => agent.id);
  return agents.some((agent) => agent.id === value) ? [value] : null;
}

export function AgentPicker({ agents, value, onChange }: Props) {
  if (agents.length === 0) return null;
  const selected = agents.find((agent) => agent.id === value);
  return (
    <label className="relative inline-flex min-w-0 items-center">
      <span className="sr-only">Answer with</span>
      <select
        data-testid="agent-picker"
        value={value}
        onChange={(event) => onChange(event.target.value)}
        title={selected?.description}
        className="min-w-0 max-w-48 cursor-pointer appearance-none truncate rounded-lg border border-transparent bg-zinc-100 py-1.5 pr-7 pl-2.5 text-sm font-medium text-zinc-700 hover:bg-zinc-200 focus-visible:border-indigo-400 focus-visible:outline-none dark:bg-zinc-800 dark:text-zinc-200 dark:hover:bg-zinc-700"
      >
        {agents.map((agent) => (
          <option key={agent.id} value={agent.id}>
            {agent.name}
          </option>
        ))}
        {agents.length > 1 ? <option value={ALL_AGENTS}>All agents</option> : null}
      </select>
      <Icon name="chevronDown" className="pointer-events-none absolute right-2 size-4 text-zinc-500" />
    </label>
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
