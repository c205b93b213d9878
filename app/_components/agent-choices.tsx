"use client";

import { type RefObject, useCallback, useEffect, useId, useRef, useState } from "react";
import type { PublicAgent } from "@/lib/agents/types";
import { SmallAvatar } from "./agent-activity";
import { Icon } from "./icon";

type Props = {
  agents: PublicAgent[];
  /** The ids asked now, never empty. */
  chosen: string[];
  onChange: (ids: string[]) => void;
};

/**
 * Closes the panel on Esc (focus back on its button), on a click outside it,
 * and when focus moves out of it.
 */
function useDismiss(open: boolean, root: RefObject<HTMLElement | null>, close: (refocus: boolean) => void) {
  useEffect(() => {
    if (!open) return;
    const outside = (target: EventTarget | null) =>
      !(target instanceof Node && root.current?.contains(target));
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "Escape" || event.defaultPrevented) return;
      // Handled here, so the page's Esc-to-stop leaves the running answers alone.
      event.preventDefault();
      close(!outside(document.activeElement));
    };
    const onPointer = (event: PointerEvent) => {
      if (outside(event.target)) close(false);
    };
    const onFocus = (event: FocusEvent) => {
      if (outside(event.target)) close(false);
    };
    document.addEventListener("keydown", onKey);
    document.addEventListener("pointerdown", onPointer, true);
    document.addEventListener("focusin", onFocus);
    return () => {
      document.removeEventListener("keydown", onKey);
      document.removeEventListener("pointerdown", onPointer, true);
      document.removeEventListener("focusin", onFocus);
    };
  }, [open, root, close]);
}

/**
 * Beside the agent picker: a button opening one checkbox per agent, to ask any
 * of them together. The list is placed against the picker, not the button, so
 * it starts at the composer's edge and fits a narrow screen.
 */
export function AgentChoices({ agents, chosen, onChange }: Props) {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  const id = useId();
  const close = useCallback((refocus: boolean) => {
    setOpen(false);
    if (refocus) button.current?.focus();
  }, []);
  useDismiss(open, root, close);

  useEffect(() => {
    if (open) panel.current?.querySelector("input")?.focus();
  }, [open]);

  const toggle = (agentId: string, checked: boolean) => {
    const next = checked ? [...chosen, agentId] : chosen.filter((other) => other !== agentId);
    if (next.length > 0) onChange(next);
  };

  return (
    <div ref={root} className="flex">
      <button
        ref={button}
        type="button"
        data-testid="agent-choices-button"
        aria-label="Choose agents"
        title="Choose which agents answer"
        aria-haspopup="dialog"
        aria-expanded={open}
        aria-controls={open ? `${id}-panel` : undefined}
        onClick={() => setOpen((current) => !current)}
        className="inline-flex size-8 items-center justify-center rounded-lg text-zinc-500 transition-colors hover:bg-zinc-100 hover:text-zinc-700 focus-visible:outline-2 focus-visible:outline-indigo-500 aria-expanded:bg-zinc-100 aria-expanded:text-zinc-800 dark:text-zinc-400 dark:hover:bg-zinc-800 dark:hover:text-zinc-200 dark:aria-expanded:bg-zinc-800 dark:aria-expanded:text-zinc-100"
      >
        <Icon name="users" />
      </button>
      {open ? (
        <div
          ref={panel}
          id={`${id}-panel`}
          role="dialog"
          aria-label="Choose agents"
          data-testid="agent-choices"
          className="absolute bottom-full left-0 z-20 mb-2 w-72 max-w-[calc(100vw-2rem)] animate-[fade-in_120ms_ease-out] rounded-xl border border-zinc-200 bg-white p-1.5 shadow-lg dark:border-zinc-700 dark:bg-zinc-900"
        >
          <fieldset aria-describedby={`${id}-hint`} className="min-w-0">
            <legend className="px-2 pt-1 pb-1.5 text-xs font-semibold text-zinc-500 dark:text-zinc-400">
              Who answers
            </legend>
            {agents.map((agent) => (
              <Choice
                key={agent.id}
                agent={agent}
                checked={chosen.includes(agent.id)}
                onChange={(checked) => toggle(agent.id, checked)}
              />
            ))}
          </fieldset>
          <p
            id={`${id}-hint`}
            className="mt-1 border-zinc-100 border-t px-2 pt-1.5 pb-0.5 text-xs text-zinc-500 dark:border-zinc-800 dark:text-zinc-400"
          >
            Two or more answer together; at least one stays chosen.
          </p>
        </div>
      ) : null}
    </div>
  );
}

type ChoiceProps = { agent: PublicAgent; checked: boolean; onChange: (checked: boolean) => void };

function Choice({ agent, checked, onChange }: ChoiceProps) {
  return (
    <label className="flex cursor-pointer items-center gap-2.5 rounded-lg px-2 py-1.5 text-zinc-700 hover:bg-zinc-100 has-checked:text-zinc-900 has-focus-visible:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800 dark:has-checked:text-zinc-100 dark:has-focus-visible:bg-zinc-800">
      <input
        type="checkbox"
        data-testid="agent-choice"
        data-agent-id={agent.id}
        checked={checked}
        onChange={(event) => onChange(event.target.checked)}
        className="size-4 shrink-0 cursor-pointer rounded accent-indigo-600 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500"
      />
      <SmallAvatar agentId={agent.id} name={agent.name} />
      <span className="min-w-0">
        <span className="block text-sm font-medium">{agent.name}</span>
        {agent.description ? (
          <span className="block truncate text-xs text-zinc-500 dark:text-zinc-400">{agent.description}</span>
        ) : null}
      </span>
    </label>
  );
}
