"use client";

import { useId, useRef } from "react";
import { Icon } from "./icon";

// The first two hold the branch on screen; the last the whole tree, every edit and answer.
const formats = [
  { query: "format=md", label: "Export as Markdown", testId: "export-md" },
  { query: "format=json", label: "Export as JSON", testId: "export-json" },
  { query: "format=json&branches=all", label: "Export all branches (JSON)", testId: "export-json-tree" },
] as const;

/** Downloads of the conversation, in a popover: plain links the browser saves as files. */
export function ExportMenu({ conversationId }: { conversationId: string }) {
  const popover = `${useId()}-export`;
  const menu = useRef<HTMLDivElement>(null);
  const base = `/api/conversations/${encodeURIComponent(conversationId)}/export`;
  return (
    <>
      <button
        type="button"
        popoverTarget={popover}
        data-testid="export-button"
        aria-label="Export"
        title="Export this conversation"
        className="inline-flex size-8 items-center justify-center rounded-lg text-zinc-600 hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-zinc-300 dark:hover:bg-zinc-800"
      >
        <Icon name="download" />
      </button>
      <div
        ref={menu}
        id={popover}
        popover="auto"
        role="menu"
        aria-label="Export"
        className="fixed inset-auto top-14 right-3 m-0 w-60 rounded-xl border border-zinc-200 bg-white p-1 text-sm text-zinc-800 shadow-xl dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100"
      >
        {formats.map(({ query, label, testId }) => (
          <a
            key={testId}
            role="menuitem"
            href={`${base}?${query}`}
            download
            data-testid={testId}
            // A choice made closes the menu; the download goes on.
            onClick={() => menu.current?.hidePopover()}
            className="block rounded-lg px-3 py-2 hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:hover:bg-zinc-800"
          >
            {label}
          </a>
        ))}
      </div>
    </>
  );
}
