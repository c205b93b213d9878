"use client";

import { type KeyboardEvent, useImperativeHandle, useRef, useState } from "react";
import { mentionAt, mentionedAgentIds } from "@/lib/agents/mentions";
import type { PublicAgent } from "@/lib/agents/types";
import type { Attachment, TurnMode } from "@/lib/protocol";
import { limits } from "@/lib/protocol/schemas";
import { SmallAvatar } from "./agent-activity";
import { AgentPicker, agentIdsFor, TurnModeToggle } from "./agent-picker";
import { PendingFiles } from "./attachments";
import { AttachButton, pastedFiles, useFileDrop, VisionWarning } from "./composer-files";
import { Icon } from "./icon";
import { useAttachments } from "./use-attachments";
import { useAutoGrow } from "./use-auto-grow";

export type ComposerHandle = {
  focus: () => void;
  /** Puts back a message that was not sent, its text after whatever is being typed now. */
  restore: (text: string, attachments?: Attachment[]) => void;
};

type Props = {
  agents: PublicAgent[];
  /** A run of this conversation is going: offer Stop (typing and sending stay possible). */
  busy: boolean;
  /** The agent picker's value: an agent id, several joined by commas, or ALL_AGENTS. */
  agent: string;
  onAgentChange: (value: string) => void;
  /** How the agents answer when several are asked. */
  mode: TurnMode;
  onModeChange: (mode: TurnMode) => void;
  onSend: (text: string, agentIds: string[] | null, mode: TurnMode, attachments: Attachment[]) => void;
  onStop: () => void;
  /** ATTACHMENT_MAX_BYTES: larger files are refused before they are sent. */
  attachmentMaxBytes: number;
  ref?: React.Ref<ComposerHandle>;
};

const MAX_HEIGHT_PX = 224;

export function Composer({
  agents,
  busy,
  agent,
  onAgentChange,
  mode,
  onModeChange,
  onSend,
  onStop,
  attachmentMaxBytes,
  ref,
}: Props) {
  const [text, setText] = useState("");
  const input = useRef<HTMLTextAreaElement>(null);
  const files = useAttachments(attachmentMaxBytes);
  const uploading = files.files.some((file) => file.state === "uploading");
  const ready = files.files.some((file) => file.state === "ready");
  const drop = useFileDrop(files.add);
  // The `@mention` being typed at the caret, and which of its matching agents is highlighted.
  const [mention, setMention] = useState<{ start: number; query: string } | null>(null);
  const [highlight, setHighlight] = useState(0);
  const matches = mention
    ? agents.filter((candidate) =>
        [candidate.name, candidate.id].some((key) =>
          key.toLowerCase().startsWith(mention.query.toLowerCase()),
        ),
      )
    : [];
  const listOpen = matches.length > 0;
  const mentioned = mentionedAgentIds(text, agents);
  const picked = agentIdsFor(agent, agents);
  const several = (picked?.length ?? 0) > 1 || mentioned.length > 1;
  // Agents named with @ answer; without a mention, the picker's choice does.
  const answering = mentioned.length > 0 ? mentioned : picked;
  const blind = files.files.some((file) => file.image && file.state !== "failed")
    ? agents.filter((candidate) => candidate.vision === false && answering?.includes(candidate.id))
    : [];
  const canSend =
    (text.trim().length > 0 || ready) &&
    text.length <= limits.messageTextMax &&
    !uploading &&
    blind.length === 0;

  const follow = (element: HTMLTextAreaElement) => {
    const found = mentionAt(element.value, element.selectionStart ?? element.value.length);
    setMention(found);
    if (found?.query !== mention?.query) setHighlight(0);
  };

  /** Puts `@Name ` in place of the mention being typed, the caret after it. */
  const pick = (chosen: PublicAgent) => {
    const element = input.current;
    if (!element || !mention) return;
    const caret = element.selectionStart ?? text.length;
    const inserted = `@${chosen.name} `;
    const next = `${text.slice(0, mention.start)}${inserted}${text.slice(caret)}`;
    setText(next);
    setMention(null);
    const at = mention.start + inserted.length;
    requestAnimationFrame(() => {
      element.focus();
      element.setSelectionRange(at, at);
    });
  };

  useImperativeHandle(
    ref,
    () => ({
      focus: () => input.current?.focus(),
      restore: (unsent, attachments) => {
        setText((current) => (current.trim() === "" ? unsent : `${current.trimEnd()}\n\n${unsent}`));
        if (attachments?.length) files.restore(attachments);
      },
    }),
    [files.restore],
  );

  useAutoGrow(input, text, MAX_HEIGHT_PX);

  const submit = () => {
    if (!canSend) return;
    onSend(text, answering, several ? mode : "sequential", files.take());
    setText("");
    setMention(null);
    input.current?.focus();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (listOpen && !event.nativeEvent.isComposing) {
      const step = event.key === "ArrowDown" ? 1 : event.key === "ArrowUp" ? -1 : 0;
      if (step !== 0) {
        event.preventDefault();
        setHighlight((current) => (current + step + matches.length) % matches.length);
        return;
      }
      if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        const chosen = matches[Math.min(highlight, matches.length - 1)];
        if (chosen) pick(chosen);
        return;
      }
      if (event.key === "Escape") {
        event.preventDefault();
        setMention(null);
        return;
      }
    }
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    } else if (event.key === "Escape" && busy) {
      event.preventDefault();
      onStop();
    }
  };

  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
      {...drop.handlers}
      data-testid="composer"
      data-dragging={drop.dragging || undefined}
      className={`relative rounded-2xl border bg-white shadow-sm transition-shadow focus-within:shadow-md dark:bg-zinc-900 ${
        drop.dragging
          ? "border-indigo-400 ring-2 ring-indigo-400/40 dark:border-indigo-500"
          : "border-zinc-200 focus-within:border-zinc-300 dark:border-zinc-700 dark:focus-within:border-zinc-600"
      }`}
    >
      <label htmlFor="composer-input" className="sr-only">
        Message
      </label>
      {drop.dragging ? (
        <div className="pointer-events-none absolute inset-0 z-10 flex items-center justify-center rounded-2xl bg-indigo-50/90 text-sm font-medium text-indigo-700 dark:bg-indigo-950/80 dark:text-indigo-200">
          Drop files to attach them
        </div>
      ) : null}
      <PendingFiles files={files.files} onRemove={files.remove} />
      <VisionWarning agents={blind} />
      {listOpen ? (
        <div
          id="mention-list"
          role="listbox"
          aria-label="Agents"
          data-testid="mention-list"
          className="absolute bottom-full left-2 z-10 mb-2 w-64 animate-[fade-in_120ms_ease-out] overflow-hidden rounded-xl border border-zinc-200 bg-white py-1 shadow-lg dark:border-zinc-700 dark:bg-zinc-900"
        >
          {matches.map((candidate, index) => (
            <div
              key={candidate.id}
              id={`mention-${candidate.id}`}
              role="option"
              tabIndex={-1}
              aria-selected={index === highlight}
              data-testid="mention-option"
              data-agent-id={candidate.id}
              // Chosen on mouse down, so the textarea keeps its focus and caret.
              onMouseDown={(event) => {
                event.preventDefault();
                pick(candidate);
              }}
              onMouseEnter={() => setHighlight(index)}
              className={`flex cursor-pointer items-center gap-2 px-3 py-1.5 text-sm ${
                index === highlight
                  ? "bg-indigo-50 text-indigo-900 dark:bg-indigo-950/60 dark:text-indigo-100"
                  : "text-zinc-700 dark:text-zinc-200"
              }`}
            >
              <SmallAvatar agentId={candidate.id} name={candidate.name} />
              <span className="font-medium">{candidate.name}</span>
              {candidate.description ? (
                <span className="truncate text-xs text-zinc-500 dark:text-zinc-400">
                  {candidate.description}
                </span>
              ) : null}
            </div>
          ))}
        </div>
      ) : null}
      <textarea
        id="composer-input"
        ref={input}
        data-testid="composer-input"
        rows={1}
        value={text}
        onChange={(event) => {
          setText(event.target.value);
          follow(event.target);
        }}
        onSelect={(event) => follow(event.currentTarget)}
        onBlur={() => setMention(null)}
        onKeyDown={onKeyDown}
        onPaste={(event) => {
          const pasted = pastedFiles(event);
          if (pasted.length === 0) return;
          event.preventDefault();
          files.add(pasted);
        }}
        role="combobox"
        aria-expanded={listOpen}
        aria-autocomplete="list"
        aria-controls={listOpen ? "mention-list" : undefined}
        aria-activedescendant={listOpen ? `mention-${matches[highlight]?.id ?? ""}` : undefined}
        placeholder="Ask anything…"
        autoComplete="off"
        // biome-ignore lint/a11y/noAutofocus: the composer is the page's one purpose
        autoFocus
        className="block max-h-56 w-full resize-none bg-transparent px-4 pt-3.5 pb-1 text-[15px] leading-relaxed text-zinc-900 placeholder:text-zinc-400 focus:outline-none dark:text-zinc-100 dark:placeholder:text-zinc-500"
      />
      <div className="flex items-center justify-between gap-2 px-2.5 pt-1 pb-2.5">
        <div className="flex min-w-0 items-center gap-2">
          <AttachButton onFiles={files.add} />
          <AgentPicker agents={agents} value={agent} onChange={onAgentChange} />
          {several ? <TurnModeToggle value={mode} onChange={onModeChange} /> : null}
        </div>
        <div className="flex items-center gap-2">
          {busy ? (
            <button
              type="button"
              data-testid="stop-button"
              onClick={onStop}
              title="Stop (Esc)"
              className="inline-flex h-9 items-center gap-1.5 rounded-xl border border-zinc-200 px-3 text-sm font-medium text-zinc-700 hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:border-zinc-700 dark:text-zinc-200 dark:hover:bg-zinc-800"
            >
              <span aria-hidden className="size-2.5 rounded-[3px] bg-current" />
              Stop
            </button>
          ) : null}
          <button
            type="submit"
            data-testid="send-button"
            disabled={!canSend}
            aria-label="Send"
            title="Send (Enter)"
            className="inline-flex size-9 items-center justify-center rounded-xl bg-indigo-600 text-white shadow-sm transition-colors hover:bg-indigo-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500 disabled:cursor-not-allowed disabled:bg-zinc-200 disabled:text-zinc-400 dark:disabled:bg-zinc-800 dark:disabled:text-zinc-600"
          >
            <Icon name="arrowUp" />
          </button>
        </div>
      </div>
    </form>
  );
}
