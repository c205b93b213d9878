"use client";

import { useId, useState } from "react";
import { Icon } from "./icon";

const FOLD_LINES = 8;
const FOLD_CHARS = 600;

/** Long text shows its beginning and a "Show all" toggle. */
export function FoldedText({ testId, text }: { testId: string; text: string }) {
  const id = useId();
  const [open, setOpen] = useState(false);
  const lines = text.split("\n");
  const long = lines.length > FOLD_LINES || text.length > FOLD_CHARS;
  const shown = long && !open ? lines.slice(0, FOLD_LINES).join("\n").slice(0, FOLD_CHARS) : text;
  return (
    <div>
      <pre
        id={id}
        data-testid={testId}
        data-folded={long && !open ? "true" : undefined}
        className="whitespace-pre-wrap break-words font-mono text-xs text-zinc-800 dark:text-zinc-200"
      >
        {long && !open ? `${shown}…` : shown}
      </pre>
      {long ? (
        <button
          type="button"
          data-testid="tool-output-toggle"
          aria-expanded={open}
          aria-controls={id}
          onClick={() => setOpen(!open)}
          className="mt-1 rounded px-1 -ml-1 font-medium text-indigo-600 text-xs hover:bg-indigo-50 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-indigo-400 dark:hover:bg-indigo-950"
        >
          {open ? "Show less" : "Show all"}
        </button>
      ) : null}
    </div>
  );
}

/** A result the card already shows another way (the asked agent's answer), folded under its label. */
export function FoldedResult({ text }: { text: string }) {
  return (
    <details className="group">
      <summary className="-ml-1 inline-flex cursor-pointer list-none items-center gap-1 rounded px-1 font-medium text-[11px] text-zinc-400 uppercase tracking-wide hover:text-zinc-600 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-zinc-500 dark:hover:text-zinc-300 [&::-webkit-details-marker]:hidden">
        Result
        <Icon name="chevronDown" className="size-3.5 transition-transform group-open:rotate-180" />
      </summary>
      <div className="mt-0.5">
        <FoldedText testId="tool-output" text={text} />
      </div>
    </details>
  );
}
