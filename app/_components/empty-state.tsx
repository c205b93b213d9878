import type { PublicAgent } from "@/lib/agents/types";
import { agentIdsFor } from "./agent-picker";
import { avatarColor } from "./format";

type Props = {
  agents: PublicAgent[];
  readOnly: boolean;
  selected: string;
  onSelect: (agentId: string) => void;
};

export function EmptyState({ agents, readOnly, selected, onSelect }: Props) {
  const chosen = agentIdsFor(selected, agents) ?? [];
  return (
    <div className="flex min-h-0 flex-1 flex-col items-center justify-center overflow-y-auto px-4 py-8">
      <div className="w-full max-w-xl text-center">
        <h2 className="text-2xl font-semibold tracking-tight text-zinc-900 sm:text-3xl dark:text-zinc-50">
          {readOnly ? "Nothing here yet" : "What can we help with?"}
        </h2>
        <p className="mt-2 text-sm text-zinc-500 dark:text-zinc-400">
          {readOnly
            ? "Messages appear here as soon as they are written."
            : "Choose who answers, ask a question, and watch the answer arrive word by word."}
        </p>
        {!readOnly && agents.length > 0 ? (
          <div className="mt-8 grid gap-3 text-left sm:grid-cols-2">
            {agents.map((agent) => {
              const active = chosen.includes(agent.id);
              return (
                <button
                  key={agent.id}
                  type="button"
                  aria-pressed={active}
                  onClick={() => onSelect(agent.id)}
                  className={`flex gap-3 rounded-xl border p-3 text-left transition-colors focus-visible:outline-2 focus-visible:outline-indigo-500 ${
                    active
                      ? "border-indigo-300 bg-indigo-50/60 dark:border-indigo-700 dark:bg-indigo-950/30"
                      : "border-zinc-200 hover:bg-zinc-50 dark:border-zinc-800 dark:hover:bg-zinc-900"
                  }`}
                >
                  <span
                    aria-hidden
                    className={`flex size-8 shrink-0 items-center justify-center rounded-full text-sm font-semibold text-white ${avatarColor(agent.id)}`}
                  >
                    {agent.name.slice(0, 1).toUpperCase()}
                  </span>
                  <span className="min-w-0">
                    <span className="block text-sm font-medium text-zinc-900 dark:text-zinc-100">
                      {agent.name}
                    </span>
                    <span className="line-clamp-2 block text-xs text-zinc-500 dark:text-zinc-400">
                      {agent.description}
                    </span>
                  </span>
                </button>
              );
            })}
          </div>
        ) : null}
      </div>
    </div>
  );
}
