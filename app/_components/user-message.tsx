"use client";

import { memo, useContext, useState } from "react";
import type { UserEntry } from "@/lib/client/state";
import { MessageAttachments } from "./attachments";
import { BranchSwitcher } from "./branch-switcher";
import { OwnerActionsContext } from "./chat-context";
import { ErrorBanner } from "./error-banner";
import { Icon } from "./icon";
import { MessageEditor } from "./message-editor";

type UserProps = {
  entry: UserEntry;
  onResend?: (entry: UserEntry) => void;
  /** Its answers all wait for the agents at work. */
  queued?: boolean;
  /** Takes it back while it is queued (the owner only). */
  onRemove?: (messageId: string) => void;
  /** The share link the page was opened by: its files are read through it. */
  shareId?: string;
};

export const UserMessage = memo(function UserMessage({
  entry,
  onResend,
  queued,
  onRemove,
  shareId,
}: UserProps) {
  const { edit } = useContext(OwnerActionsContext);
  const [editing, setEditing] = useState(false);
  // Stored and placed in the tree: only then has it a branch to stand beside.
  const editable = edit && entry.id !== null && entry.sendState === "sent" && entry.parentId !== undefined;
  return (
    <div
      data-testid="message"
      data-role="user"
      data-message-id={entry.id ?? undefined}
      data-client-message-id={entry.clientMessageId ?? undefined}
      data-send-state={entry.sendState}
      className="group flex flex-col items-end"
    >
      {entry.attachments?.length ? (
        <MessageAttachments attachments={entry.attachments} shareId={shareId} />
      ) : null}
      {editing && editable ? (
        <MessageEditor
          initialText={entry.text}
          hasFiles={(entry.attachments?.length ?? 0) > 0}
          onCancel={() => setEditing(false)}
          onSave={(text) => {
            setEditing(false);
            if (entry.id) edit(entry.id, text);
          }}
        />
      ) : entry.text.trim() ? (
        <div
          className={`max-w-[85%] whitespace-pre-wrap break-words rounded-2xl rounded-br-md bg-indigo-600 px-4 py-2.5 text-[15px] leading-relaxed text-white shadow-sm dark:bg-indigo-500 ${
            entry.sendState === "pending" ? "opacity-80" : ""
          }`}
        >
          {entry.text}
        </div>
      ) : null}
      {editing ? null : (
        <div className="mt-1 flex items-center gap-1 empty:hidden">
          {editable ? (
            <button
              type="button"
              data-testid="edit-message"
              aria-label="Edit message"
              title="Edit and ask again"
              onClick={() => setEditing(true)}
              className="inline-flex size-6 items-center justify-center rounded-md text-zinc-500 transition-opacity hover:bg-zinc-100 hover:text-zinc-800 focus-visible:opacity-100 focus-visible:outline-2 focus-visible:outline-indigo-500 pointer-fine:opacity-0 pointer-fine:group-hover:opacity-100 dark:text-zinc-400 dark:hover:bg-zinc-800 dark:hover:text-zinc-100"
            >
              <Icon name="pencil" className="size-3.5" />
            </button>
          ) : null}
          <BranchSwitcher entryKey={entry.key} />
        </div>
      )}
      {queued && entry.id ? (
        <p
          data-testid="queued-message"
          className="mt-1 flex items-center gap-2 text-xs text-zinc-500 dark:text-zinc-400"
        >
          <span>Queued: starts when the agents at work are done</span>
          {onRemove ? (
            <button
              type="button"
              data-testid="remove-message"
              onClick={() => entry.id && onRemove(entry.id)}
              className="rounded-md px-1.5 py-0.5 font-medium text-zinc-600 underline-offset-2 hover:bg-zinc-100 hover:underline focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-zinc-300 dark:hover:bg-zinc-800"
            >
              Remove
            </button>
          ) : null}
        </p>
      ) : null}
      {entry.sendState === "failed" ? (
        <div className="w-full max-w-[85%]">
          <ErrorBanner
            title="Not sent"
            message={entry.sendError?.message ?? "The message could not be sent."}
            onRetry={onResend ? () => onResend(entry) : undefined}
          />
        </div>
      ) : null}
    </div>
  );
});
