"use client";

import { useContext } from "react";
import { BranchesContext } from "./chat-context";
import { Icon } from "./icon";

/**
 * "2 / 3" with previous and next, on a message that has siblings (its edits,
 * or the other answers to its question); nothing on one that has none. Share
 * viewers see where they are; only the owner may move.
 */
export function BranchSwitcher({ entryKey, className = "" }: { entryKey: string; className?: string }) {
  const { positions, show } = useContext(BranchesContext);
  const position = positions.get(entryKey);
  if (!position) return null;
  const { index, count, previous, next } = position;
  return (
    <fieldset
      data-testid="branch-switcher"
      aria-label={`Version ${index} of ${count}`}
      className={`inline-flex items-center text-xs text-zinc-500 tabular-nums dark:text-zinc-400 ${className}`}
    >
      <StepButton
        testId="branch-prev"
        label="Previous version"
        icon="chevronLeft"
        to={previous}
        show={show}
      />
      <span data-testid="branch-position" className="min-w-8 px-0.5 text-center font-medium">
        {index} / {count}
      </span>
      <StepButton testId="branch-next" label="Next version" icon="chevronRight" to={next} show={show} />
    </fieldset>
  );
}

type StepProps = {
  testId: string;
  label: string;
  icon: "chevronLeft" | "chevronRight";
  /** The sibling it shows; null at the end of the row. */
  to: string | null;
  show?: (messageId: string) => void;
};

function StepButton({ testId, label, icon, to, show }: StepProps) {
  return (
    <button
      type="button"
      data-testid={testId}
      aria-label={label}
      title={show ? label : undefined}
      disabled={!show || to === null}
      onClick={() => to && show?.(to)}
      className="inline-flex size-6 items-center justify-center rounded-md hover:bg-zinc-100 hover:text-zinc-800 focus-visible:outline-2 focus-visible:outline-indigo-500 disabled:pointer-events-none disabled:opacity-40 dark:hover:bg-zinc-800 dark:hover:text-zinc-100"
    >
      <Icon name={icon} />
    </button>
  );
}
