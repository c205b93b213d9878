"use client";

import { memo, useId, useState } from "react";
import { Icon } from "./icon";
import { useNow } from "./use-now";

type Props = {
  text: string;
  /** Still growing: the newest part of a run that has not ended. */
  active: boolean;
  /** How long the model thought, by the server's clock; null when this tab did not see it stream. */
  durationMs: number | null;
  /** The reader's setting: left open once it is over rather than folded. */
  keepOpen: boolean;
};

/**
 * The model's reasoning: open while it streams, folded to its header once the
 * answer begins (unless the reader keeps it open), opened again on a click.
 * Untrusted model output, so it is only ever plain text. Memoised: a finished
 * block does not render again while the answer streams under it.
 */
export const ReasoningBlock = memo(function ReasoningBlock({ text, active, durationMs, keepOpen }: Props) {
  const id = useId();
  // Null until the reader clicks; from then on their choice wins over the defaults.
  const [chosen, setChosen] = useState<boolean | null>(null);
  const open = chosen ?? (active || keepOpen);
  return (
    <section
      data-testid="reasoning"
      data-state={active ? "streaming" : "done"}
      className="mt-1.5 text-sm text-zinc-500 dark:text-zinc-400"
    >
      <button
        type="button"
        data-testid="reasoning-toggle"
        aria-expanded={open}
        aria-controls={id}
        onClick={() => setChosen(!open)}
        className="-ml-1 inline-flex items-center gap-1.5 rounded-md px-1 py-0.5 font-medium text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-zinc-300 dark:hover:bg-zinc-800 dark:hover:text-zinc-100"
      >
        {active ? (
          <span
            aria-hidden
            className="size-2 shrink-0 rounded-full bg-indigo-500 motion-safe:animate-pulse"
          />
        ) : null}
        <Heading active={active} durationMs={durationMs} />
        <Icon
          name="chevronDown"
          className={`size-4 shrink-0 transition-transform ${open ? "rotate-180" : ""}`}
        />
      </button>
      <div
        id={id}
        data-testid="reasoning-text"
        hidden={!open}
        className="mt-1 whitespace-pre-wrap break-words border-zinc-200 border-l-2 pl-3 leading-relaxed dark:border-zinc-700"
      >
        {text}
      </div>
    </section>
  );
});

/** Its own component so the ticking clock renders the heading alone, never the text below it. */
function Heading({ active, durationMs }: { active: boolean; durationMs: number | null }) {
  // Counted from when this browser saw it begin: server timestamps come from another clock.
  const [since] = useState(() => Date.now());
  const now = useNow(active);
  if (active) {
    const elapsed = now === null ? 0 : Math.max(0, Math.floor((now - since) / 1000));
    return <span className="tabular-nums">{`Thinking · ${elapsed} s`}</span>;
  }
  if (durationMs === null) return <span>Thoughts</span>;
  return (
    <span className="tabular-nums">{`Thought for ${Math.max(1, Math.round(durationMs / 1000))} s`}</span>
  );
}
