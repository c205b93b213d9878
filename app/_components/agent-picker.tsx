"use client";

import type { PublicAgent } from "@/lib/agents/types";
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
