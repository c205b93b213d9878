import type { ReactNode } from "react";
import { ConnectionStatus } from "./connection-status";
import { Icon } from "./icon";
import { SettingsMenu } from "./settings-menu";
import { SidebarToggle } from "./sidebar-toggle";

type Props = {
  modelLabel: string | null;
  title?: string | null;
  actions?: ReactNode;
  /** The page has the conversation list, which holds its own "New chat" on wide screens. */
  withSidebar?: boolean;
};

export function AppHeader({ modelLabel, title, actions, withSidebar = false }: Props) {
  return (
    <header className="relative z-20 shrink-0 border-b border-zinc-200/80 bg-white/80 backdrop-blur dark:border-zinc-800 dark:bg-zinc-950/80">
      <div className="mx-auto flex h-14 w-full max-w-5xl items-center gap-2 px-3 sm:gap-3 sm:px-4">
        <SidebarToggle />
        {/* A full load: "/" may be the very page whose URL became /c/<id>, and it must start afresh. */}
        <a
          href="/"
          aria-label="Switchboard"
          className="flex shrink-0 items-center gap-2 font-semibold text-zinc-900 dark:text-zinc-50"
        >
          <span
            aria-hidden
            className="flex size-7 items-center justify-center rounded-lg bg-gradient-to-br from-indigo-500 to-violet-600 text-sm text-white shadow-sm"
          >
            S
          </span>
          <span className={title ? "hidden sm:inline" : undefined}>Switchboard</span>
        </a>
        {title ? (
          <>
            <span aria-hidden className="hidden text-zinc-300 sm:inline dark:text-zinc-700">
              /
            </span>
            <h1 className="min-w-0 truncate text-sm font-medium text-zinc-600 dark:text-zinc-300">{title}</h1>
          </>
        ) : null}
        <div className="ml-auto flex shrink-0 items-center gap-1 sm:gap-2">
          {modelLabel ? (
            <span
              data-testid="model-label"
              title="Answers come from a built-in demo model, not an LLM"
              className="whitespace-nowrap rounded-full bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-800 dark:bg-amber-900/40 dark:text-amber-200"
            >
              <span className="sm:hidden">Demo</span>
              <span className="hidden sm:inline">{modelLabel}</span>
            </span>
          ) : null}
          <ConnectionStatus />
          {actions}
          <SettingsMenu />
          <a
            href="/"
            title="New chat"
            className={`${withSidebar ? "md:hidden " : ""}inline-flex h-8 items-center gap-1.5 rounded-lg px-2 text-sm font-medium text-zinc-700 hover:bg-zinc-100 sm:px-2.5 dark:text-zinc-200 dark:hover:bg-zinc-800`}
          >
            <Icon name="plus" />
            <span className="sr-only sm:not-sr-only">New chat</span>
          </a>
        </div>
      </div>
    </header>
  );
}
