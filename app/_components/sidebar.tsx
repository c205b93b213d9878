"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import type { ConversationSummary } from "@/lib/protocol";
import { limits } from "@/lib/protocol/schemas";
import { type ConversationsController, useConversations } from "./conversations";
import { formatRelativeTime } from "./format";
import { Icon, type IconName } from "./icon";

/** The owner's conversations: a column on wide screens, a drawer on narrow ones. */
export function Sidebar() {
  const controller = useConversations();
  const pathname = usePathname();
  const drawer = useRef<HTMLElement>(null);
  const open = controller?.drawerOpen ?? false;
  const setOpen = controller?.setDrawerOpen;

  useEffect(() => {
    if (!open || !setOpen) return;
    drawer.current?.querySelector<HTMLElement>("a, button")?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") setOpen(false);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [open, setOpen]);

  // A page change (opening a conversation) closes the drawer.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on navigation only
  useEffect(() => setOpen?.(false), [pathname]);

  if (!controller) return null;
  return (
    <>
      {open ? (
        <button
          type="button"
          aria-label="Close the conversation list"
          tabIndex={-1}
          onClick={() => controller.setDrawerOpen(false)}
          className="fixed inset-0 z-30 bg-zinc-950/40 backdrop-blur-[1px] motion-safe:animate-[fade-in_150ms_ease-out] md:hidden"
        />
      ) : null}
      <aside
        ref={drawer}
        id="sidebar"
        data-testid="sidebar"
        aria-label="Conversations"
        className={`fixed inset-y-0 left-0 z-40 flex w-72 max-w-[85vw] flex-col border-r border-zinc-200 bg-zinc-50 transition-transform duration-200 ease-out md:static md:z-auto md:w-64 md:translate-x-0 dark:border-zinc-800 dark:bg-zinc-900 ${
          open ? "translate-x-0 shadow-xl" : "-translate-x-full"
        }`}
      >
        <div className="flex h-14 shrink-0 items-center gap-2 px-3">
          <a
            href="/"
            data-testid="new-chat"
            className="flex h-9 flex-1 items-center gap-2 rounded-lg border border-zinc-200 bg-white px-3 text-sm font-medium text-zinc-800 shadow-xs hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:border-zinc-700 dark:bg-zinc-800 dark:text-zinc-100 dark:hover:bg-zinc-700"
          >
            <Icon name="plus" />
            New chat
          </a>
          <button
            type="button"
            aria-label="Close the conversation list"
            onClick={() => controller.setDrawerOpen(false)}
            className="inline-flex size-9 items-center justify-center rounded-lg text-zinc-600 hover:bg-zinc-200 md:hidden dark:text-zinc-300 dark:hover:bg-zinc-800"
          >
            <Icon name="close" />
          </button>
        </div>
        <ConversationList controller={controller} />
      </aside>
    </>
  );
}

function ConversationList({ controller }: { controller: ConversationsController }) {
  const { conversations, activeId } = controller;
  if (conversations.length === 0) {
    return (
      <p className="px-4 py-3 text-sm text-zinc-500 dark:text-zinc-400">
        Your conversations will appear here.
      </p>
    );
  }
  return (
    <nav aria-label="Your conversations" className="min-h-0 flex-1 overflow-y-auto px-2 pb-3">
      <ul className="flex flex-col gap-0.5">
        {conversations.map((conversation) => (
          <ConversationItem
            key={conversation.id}
            conversation={conversation}
            active={activeId === conversation.id}
            controller={controller}
          />
        ))}
      </ul>
    </nav>
  );
}

type ItemProps = { conversation: ConversationSummary; active: boolean; controller: ConversationsController };

function ConversationItem({ conversation, active, controller }: ItemProps) {
  const [mode, setMode] = useState<"view" | "rename" | "confirm-delete">("view");
  const [error, setError] = useState<string | null>(null);
  const menuButton = useRef<HTMLButtonElement>(null);

  const run = async (action: () => Promise<void>) => {
    setError(null);
    try {
      await action();
      return true;
    } catch (cause) {
      setError(cause instanceof Error ? cause.message : "That did not work. Try again.");
      return false;
    }
  };

  const back = () => {
    setMode("view");
    requestAnimationFrame(() => menuButton.current?.focus());
  };

  return (
    <li
      data-testid="conversation-item"
      data-conversation-id={conversation.id}
      data-active={active || undefined}
    >
      {mode === "rename" ? (
        <RenameForm
          title={conversation.title}
          onCancel={back}
          onSave={async (title) => {
            if (title === conversation.title || (await run(() => controller.rename(conversation.id, title))))
              back();
          }}
        />
      ) : mode === "confirm-delete" ? (
        <div className="rounded-lg bg-red-50 p-2 text-sm dark:bg-red-950/40">
          <p className="truncate px-1 text-red-800 dark:text-red-200">Delete “{conversation.title}”?</p>
          <div className="mt-2 flex gap-2">
            <button
              type="button"
              data-testid="conversation-delete-confirm"
              // biome-ignore lint/a11y/noAutofocus: the confirmation replaces the button that asked for it
              autoFocus
              onClick={async () => {
                if (!(await run(() => controller.remove(conversation.id)))) return;
                // The open conversation is gone: start afresh.
                if (active) window.location.assign("/");
              }}
              className="rounded-md bg-red-600 px-2.5 py-1 text-xs font-semibold text-white hover:bg-red-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-red-500"
            >
              Delete
            </button>
            <button
              type="button"
              onClick={back}
              className="rounded-md px-2.5 py-1 text-xs font-medium text-zinc-700 hover:bg-zinc-200 dark:text-zinc-200 dark:hover:bg-zinc-800"
            >
              Cancel
            </button>
          </div>
        </div>
      ) : (
        <div
          className={`group flex items-center rounded-lg focus-within:bg-zinc-200/70 hover:bg-zinc-200/70 dark:focus-within:bg-zinc-800 dark:hover:bg-zinc-800 ${
            active ? "bg-zinc-200/70 dark:bg-zinc-800" : ""
          }`}
        >
          <Link
            href={`/c/${encodeURIComponent(conversation.id)}`}
            // A long list would fetch every conversation in the background, competing with the stream.
            prefetch={false}
            aria-current={active ? "page" : undefined}
            className="flex min-w-0 flex-1 flex-col px-2.5 py-2 focus-visible:outline-none"
          >
            <span className="truncate text-sm text-zinc-800 dark:text-zinc-100">{conversation.title}</span>
            <span suppressHydrationWarning className="text-xs text-zinc-500 dark:text-zinc-400">
              {formatRelativeTime(conversation.updatedAt)}
            </span>
          </Link>
          <div className="flex shrink-0 items-center pr-1 md:opacity-0 md:group-focus-within:opacity-100 md:group-hover:opacity-100">
            <ItemAction
              ref={menuButton}
              testId="conversation-rename"
              label={`Rename “${conversation.title}”`}
              icon="pencil"
              onClick={() => setMode("rename")}
            />
            <ItemAction
              testId="conversation-delete"
              label={`Delete “${conversation.title}”`}
              icon="trash"
              danger
              onClick={() => setMode("confirm-delete")}
            />
          </div>
        </div>
      )}
      {error ? (
        <p role="alert" className="px-2.5 pt-1 text-xs text-red-600 dark:text-red-400">
          {error}
        </p>
      ) : null}
    </li>
  );
}

type ItemActionProps = {
  testId: string;
  label: string;
  icon: IconName;
  onClick: () => void;
  danger?: boolean;
  ref?: React.Ref<HTMLButtonElement>;
};

function ItemAction({ testId, label, icon, onClick, danger = false, ref }: ItemActionProps) {
  return (
    <button
      ref={ref}
      type="button"
      data-testid={testId}
      aria-label={label}
      title={label}
      onClick={onClick}
      className={`inline-flex size-7 items-center justify-center rounded-md text-zinc-500 hover:bg-zinc-300/70 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-zinc-400 dark:hover:bg-zinc-700 ${
        danger ? "hover:text-red-600 dark:hover:text-red-400" : "hover:text-zinc-800 dark:hover:text-zinc-100"
      }`}
    >
      <Icon name={icon} className="size-3.5" />
    </button>
  );
}

function RenameForm({
  title,
  onSave,
  onCancel,
}: {
  title: string;
  onSave: (title: string) => Promise<void>;
  onCancel: () => void;
}) {
  const [value, setValue] = useState(title);
  const [saving, setSaving] = useState(false);
  const save = async () => {
    const next = value.trim();
    if (!next) return onCancel();
    setSaving(true);
    await onSave(next);
    setSaving(false);
  };
  return (
    <form
      className="p-1"
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
    >
      <label className="sr-only" htmlFor="conversation-title-input">
        Conversation title
      </label>
      <input
        id="conversation-title-input"
        data-testid="conversation-title-input"
        value={value}
        maxLength={limits.titleMax}
        disabled={saving}
        // biome-ignore lint/a11y/noAutofocus: the field replaces the button that asked for it
        autoFocus
        onFocus={(event) => event.currentTarget.select()}
        onChange={(event) => setValue(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === "Escape") {
            event.preventDefault();
            event.stopPropagation();
            onCancel();
          }
        }}
        onBlur={() => void save()}
        className="w-full rounded-md border border-indigo-400 bg-white px-2 py-1.5 text-sm text-zinc-900 outline-none ring-2 ring-indigo-500/20 dark:bg-zinc-950 dark:text-zinc-100"
      />
    </form>
  );
}
