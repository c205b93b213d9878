"use client";

import { useConversations } from "./conversations";
import { Icon } from "./icon";

/** Opens the conversation list on screens too narrow to show it beside the chat. */
export function SidebarToggle() {
  const controller = useConversations();
  if (!controller) return null;
  return (
    <button
      type="button"
      data-testid="sidebar-toggle"
      aria-label="Show conversations"
      aria-controls="sidebar"
      aria-expanded={controller.drawerOpen}
      onClick={() => controller.setDrawerOpen(true)}
      className="-ml-1.5 inline-flex size-9 shrink-0 items-center justify-center rounded-lg text-zinc-600 hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-indigo-500 md:hidden dark:text-zinc-300 dark:hover:bg-zinc-800"
    >
      <Icon name="menu" className="size-5" />
    </button>
  );
}
