"use client";

import { type KeyboardEvent, useEffect, useId, useRef, useState } from "react";
import { limits } from "@/lib/protocol/schemas";
import { useAutoGrow } from "./use-auto-grow";

type Props = {
  initialText: string;
  /** A message with files may be saved without words, as it could be sent without them. */
  hasFiles: boolean;
  onSave: (text: string) => void;
  onCancel: () => void;
};

const MAX_HEIGHT_PX = 320;

/**
 * A user message's words, editable in place. Saving asks again from here as
 * a new branch; the message as it was stays one step away in the switcher.
 * Keys as in the composer: Enter saves, Shift+Enter breaks the line, Esc cancels.
 */
export function MessageEditor({ initialText, hasFiles, onSave, onCancel }: Props) {
  const [text, setText] = useState(initialText);
  const input = useRef<HTMLTextAreaElement>(null);
  const hint = useId();
  useAutoGrow(input, text, MAX_HEIGHT_PX);
  // Opened to be typed in: focused, the caret after the words, where an edit usually goes.
  useEffect(() => {
    const element = input.current;
    element?.focus();
    element?.setSelectionRange(element.value.length, element.value.length);
  }, []);
  const canSave = (text.trim().length > 0 || hasFiles) && text.length <= limits.messageTextMax;

  const save = () => {
    if (canSave) onSave(text);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.nativeEvent.isComposing) return;
    if (event.key === "Enter" && (!event.shiftKey || event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      save();
    } else if (event.key === "Escape") {
      // Handled here, so the page's Esc-to-stop leaves running answers alone.
      event.preventDefault();
      onCancel();
    }
  };

  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        save();
      }}
      data-testid="message-editor"
      className="w-full rounded-2xl border border-zinc-300 sm:max-w-[85%] bg-white shadow-sm focus-within:border-indigo-400 focus-within:ring-2 focus-within:ring-indigo-400/30 dark:border-zinc-700 dark:bg-zinc-900 dark:focus-within:border-indigo-500"
    >
      <label className="sr-only" htmlFor={`${hint}-input`}>
        Edit message
      </label>
      <textarea
        id={`${hint}-input`}
        ref={input}
        data-testid="edit-input"
        value={text}
        rows={1}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
        aria-describedby={hint}
        className="block w-full resize-none bg-transparent px-4 pt-3 pb-1 text-[15px] leading-relaxed text-zinc-900 focus:outline-none dark:text-zinc-100"
      />
      <div className="flex flex-wrap items-center justify-end gap-2 px-2.5 pt-1 pb-2.5">
        <p id={hint} className="mr-auto pl-1.5 text-xs text-zinc-500 dark:text-zinc-400">
          Saving asks again from here; this version stays a click away.
        </p>
        <button
          type="button"
          data-testid="edit-cancel"
          onClick={onCancel}
          className="inline-flex h-8 items-center rounded-lg px-3 text-xs font-semibold text-zinc-700 ring-1 ring-zinc-300 hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500 dark:text-zinc-100 dark:ring-zinc-600 dark:hover:bg-zinc-800"
        >
          Cancel
        </button>
        <button
          type="submit"
          data-testid="edit-save"
          disabled={!canSave}
          className="inline-flex h-8 items-center rounded-lg bg-indigo-600 px-3 text-xs font-semibold text-white shadow-sm hover:bg-indigo-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500 disabled:cursor-not-allowed disabled:bg-zinc-200 disabled:text-zinc-400 dark:bg-indigo-500 dark:hover:bg-indigo-400 dark:disabled:bg-zinc-800 dark:disabled:text-zinc-600"
        >
          Save
        </button>
      </div>
    </form>
  );
}
