"use client";

import { type KeyboardEvent, useImperativeHandle, useLayoutEffect, useRef, useState } from "react";
import type { PublicAgent } from "@/lib/agents/types";
import type { TurnMode } from "@/lib/protocol";
import { limits } from "@/lib/protocol/schemas";
import { AgentPicker, ALL_AGENTS, agentIdsFor, TurnModeToggle } from "./agent-picker";
import { Icon } from "./icon";

export type ComposerHandle = {
  focus: () => void;
  /** Puts back text that was not sent, after whatever is being typed now. */
  restore: (text: string) => void;
};

type Props = {
  agents: PublicAgent[];
  /** A run of this conversation is going: offer Stop (typing and sending stay possible). */
  busy: boolean;
  /** The agent picker's value: an agent id or ALL_AGENTS. */
  agent: string;
  onAgentChange: (value: string) => void;
  /** How the agents answer when all are asked. */
  mode: TurnMode;
  onModeChange: (mode: TurnMode) => void;
  onSend: (text: string, agentIds: string[] | null, mode: TurnMode) => void;
  onStop: () => void;
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
  ref,
}: Props) {
  const [text, setText] = useState("");
  const input = useRef<HTMLTextAreaElement>(null);
  const canSend = text.trim().length > 0 && text.length <= limits.messageTextMax;

  useImperativeHandle(
    ref,
    () => ({
      focus: () => input.current?.focus(),
      restore: (unsent) =>
        setText((current) => (current.trim() === "" ? unsent : `${current.trimEnd()}\n\n${unsent}`)),
    }),
    [],
  );

  // Grow with the text up to a limit, then scroll inside.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the height depends on the text
  useLayoutEffect(() => {
    const element = input.current;
    if (!element) return;
    element.style.height = "auto";
    element.style.height = `${Math.min(element.scrollHeight, MAX_HEIGHT_PX)}px`;
  }, [text]);

  const submit = () => {
    if (!canSend) return;
    onSend(text, agentIdsFor(agent, agents), agent === ALL_AGENTS ? mode : "sequential");
    setText("");
    input.current?.focus();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
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
      className="rounded-2xl border border-zinc-200 bg-white shadow-sm transition-shadow focus-within:border-zinc-300 focus-within:shadow-md dark:border-zinc-700 dark:bg-zinc-900 dark:focus-within:border-zinc-600"
    >
      <label htmlFor="composer-input" className="sr-only">
        Message
      </label>
      <textarea
        id="composer-input"
        ref={input}
        data-testid="composer-input"
        rows={1}
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
        placeholder="Ask anything…"
        autoComplete="off"
        // biome-ignore lint/a11y/noAutofocus: the composer is the page's one purpose
        autoFocus
        className="block max-h-56 w-full resize-none bg-transparent px-4 pt-3.5 pb-1 text-[15px] leading-relaxed text-zinc-900 placeholder:text-zinc-400 focus:outline-none dark:text-zinc-100 dark:placeholder:text-zinc-500"
      />
      <div className="flex items-center justify-between gap-2 px-2.5 pt-1 pb-2.5">
        <div className="flex min-w-0 items-center gap-2">
          <AgentPicker agents={agents} value={agent} onChange={onAgentChange} />
          {agent === ALL_AGENTS ? <TurnModeToggle value={mode} onChange={onModeChange} /> : null}
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
