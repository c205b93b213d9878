"use client";

import { type KeyboardEvent, useContext, useEffect, useId, useRef, useState } from "react";
import { SmallAvatar } from "./agent-activity";
import { OwnerActionsContext } from "./chat-context";
import { Icon } from "./icon";

type Props = { messageId: string; agentId: string; agentName: string };

const MENU_WIDTH_PX = 240;
const GAP_PX = 4;

const iconButton =
  "inline-flex size-6 items-center justify-center rounded-md hover:bg-zinc-100 hover:text-zinc-800 focus-visible:outline-2 focus-visible:outline-indigo-500 disabled:pointer-events-none disabled:opacity-50 dark:hover:bg-zinc-800 dark:hover:text-zinc-100";

/**
 * The owner's way to have a finished answer given again: by the same agent,
 * or, from the menu, by another. The new answer stands beside this one and
 * takes its place; this one stays a step away in the switcher.
 */
export function RegenerateControls({ messageId, agentId, agentName }: Props) {
  const { regenerate, agents = [] } = useContext(OwnerActionsContext);
  const [pending, setPending] = useState(false);
  const popover = `${useId()}-regenerate`;
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  if (!regenerate) return null;

  const ask = async (chosen?: string) => {
    menu.current?.hidePopover();
    setPending(true);
    // On success this card leaves the list for the new answer; on failure the page says why.
    await regenerate(messageId, chosen);
    setPending(false);
  };

  return (
    <div className="inline-flex items-center text-zinc-500 dark:text-zinc-400">
      <button
        type="button"
        data-testid="regenerate-button"
        aria-label={`Regenerate ${agentName}'s answer`}
        title="Regenerate"
        aria-busy={pending}
        disabled={pending}
        onClick={() => void ask()}
        className={iconButton}
      >
        <Icon name="regenerate" className={`size-3.5 ${pending ? "animate-spin" : ""}`} />
      </button>
      <button
        ref={button}
        type="button"
        data-testid="regenerate-menu"
        popoverTarget={popover}
        aria-label="Regenerate with another agent"
        title="Regenerate with another agent"
        aria-haspopup="menu"
        disabled={pending}
        className={`${iconButton} w-4`}
      >
        <Icon name="chevronDown" className="size-3.5" />
      </button>
      <AgentMenu
        id={popover}
        menu={menu}
        anchor={button}
        agents={agents}
        current={agentId}
        onChoose={(chosen) => void ask(chosen)}
      />
    </div>
  );
}

type MenuProps = {
  id: string;
  menu: React.RefObject<HTMLDivElement | null>;
  anchor: React.RefObject<HTMLButtonElement | null>;
  agents: { id: string; name: string; description?: string }[];
  current: string;
  onChoose: (agentId: string) => void;
};

/**
 * In the top layer (a popover), so the list's scrolling box cannot clip it:
 * placed by its button on opening, above it when there is more room there,
 * closed by Esc, a click outside, or a scroll that would leave it behind.
 */
function AgentMenu({ id, menu, anchor, agents, current, onChoose }: MenuProps) {
  const [open, setOpen] = useState(false);

  useEffect(() => {
    if (!open) return;
    const close = () => menu.current?.hidePopover();
    window.addEventListener("scroll", close, true);
    window.addEventListener("resize", close);
    return () => {
      window.removeEventListener("scroll", close, true);
      window.removeEventListener("resize", close);
    };
  }, [open, menu]);

  const place = (element: HTMLDivElement) => {
    const rect = anchor.current?.getBoundingClientRect();
    if (!rect) return;
    const left = Math.max(8, Math.min(rect.left, window.innerWidth - MENU_WIDTH_PX - 8));
    const above = rect.top > window.innerHeight - rect.bottom;
    element.style.left = `${left}px`;
    element.style.top = above ? "auto" : `${rect.bottom + GAP_PX}px`;
    element.style.bottom = above ? `${window.innerHeight - rect.top + GAP_PX}px` : "auto";
  };

  const items = () => [...(menu.current?.querySelectorAll<HTMLButtonElement>("[role=menuitem]") ?? [])];
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === "Escape") {
      // Closed here, so the page's Esc-to-stop leaves running answers alone.
      event.preventDefault();
      menu.current?.hidePopover();
      anchor.current?.focus();
      return;
    }
    const step = event.key === "ArrowDown" ? 1 : event.key === "ArrowUp" ? -1 : 0;
    if (step === 0) return;
    event.preventDefault();
    const list = items();
    const at = list.indexOf(document.activeElement as HTMLButtonElement);
    list[(at + step + list.length) % list.length]?.focus();
  };

  return (
    <div
      ref={menu}
      id={id}
      popover="auto"
      role="menu"
      aria-label="Regenerate with"
      data-testid="regenerate-agents"
      onBeforeToggle={(event) => {
        if (event.newState === "open") place(event.currentTarget);
      }}
      onToggle={(event) => {
        const opened = event.newState === "open";
        setOpen(opened);
        if (opened) items()[0]?.focus();
      }}
      onKeyDown={onKeyDown}
      style={{ width: MENU_WIDTH_PX }}
      className="fixed inset-auto m-0 rounded-xl border border-zinc-200 bg-white p-1 text-sm text-zinc-800 shadow-xl dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100"
    >
      <p className="px-2.5 pt-1.5 pb-1 text-xs font-semibold text-zinc-500 dark:text-zinc-400">
        Answer again with
      </p>
      {agents.map((agent) => (
        <button
          key={agent.id}
          type="button"
          role="menuitem"
          data-testid="regenerate-agent"
          data-agent-id={agent.id}
          onClick={() => onChoose(agent.id)}
          className="flex w-full items-center gap-2.5 rounded-lg px-2.5 py-1.5 text-left hover:bg-zinc-100 focus-visible:bg-zinc-100 focus-visible:outline-none dark:hover:bg-zinc-800 dark:focus-visible:bg-zinc-800"
        >
          <SmallAvatar agentId={agent.id} name={agent.name} />
          <span className="min-w-0 flex-1">
            <span className="block font-medium">
              {agent.name}
              {agent.id === current ? (
                <span className="ml-1.5 text-xs font-normal text-zinc-400 dark:text-zinc-500">
                  · this answer
                </span>
              ) : null}
            </span>
            {agent.description ? (
              <span className="block truncate text-xs text-zinc-500 dark:text-zinc-400">
                {agent.description}
              </span>
            ) : null}
          </span>
        </button>
      ))}
    </div>
  );
}
