"use client";

import type { PublicAgent } from "@/lib/agents/types";

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
      <svg
        aria-hidden
        viewBox="0 0 20 20"
        fill="currentColor"
        className="pointer-events-none absolute right-2 size-4 text-zinc-500"
      >
        <path
          fillRule="evenodd"
          d="M5.22 8.22a.75.75 0 0 1 1.06 0L10 11.94l3.72-3.72a.75.75 0 1 1 1.06 1.06l-4.25 4.25a.75.75 0 0 1-1.06 0L5.22 9.28a.75.75 0 0 1 0-1.06Z"
          clipRule="evenodd"
        />
      </svg>
    </label>
  );
}
