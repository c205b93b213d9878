"use client";

import { memo, useId, useState } from "react";
import type { ToolPart } from "@/lib/protocol/parts";
import { Icon } from "./icon";

const friendlyNames: Record<string, string> = {
  calculator: "Calculator",
  current_time: "Current time",
  search_conversations: "Search conversations",
  ask_agent: "Ask another agent",
};

/** "Calculator" for a built-in tool, else the name the tool has. */
export const toolLabel = (name: string) => friendlyNames[name] ?? name;

/** Arguments as the model wrote them: the JSON text while it streams, pretty-printed once parsed. */
export function inputText(part: ToolPart): string {
  if (typeof part.input === "string") return part.input;
  if (part.input === undefined) return "";
  return JSON.stringify(part.input, null, 2) ?? "";
}

/** A result as text: strings as they are, an MCP result's text content joined, anything else as JSON. */
export function outputText(output: unknown): string {
  if (output === undefined || output === null) return "";
  if (typeof output === "string") return output;
  const content = (output as { content?: unknown }).content;
  if (Array.isArray(content) && content.every((item) => typeof item?.text === "string")) {
    return content.map((item: { text: string }) => item.text).join("\n");
  }
  return JSON.stringify(output, null, 2) ?? String(output);
}

function statusText(part: ToolPart, running: boolean): string {
  switch (part.state) {
    case "input-streaming":
      return running ? "Preparing…" : "Not run";
    case "input-available": {
      const known = friendlyNames[part.toolName];
      // Handed to the tool, and the answer ended before its result: stopped or cut off while it ran.
      return running ? `Running ${known ? known.toLowerCase() : part.toolName}…` : "Stopped";
    }
    case "approval-requested":
      return running ? "Waiting for approval" : "Not run";
    case "output-available":
      return "Done";
    case "output-error":
      return "Failed";
  }
}

type Props = {
  part: ToolPart;
  /** The answer is still under way, so a call without its result is still running. */
  running: boolean;
};

/**
 * One tool call: its name, its arguments as they stream, a spinner while it
 * runs, then its result or its error. Tool output is untrusted, so all of it
 * renders as plain text. Memoised: a finished card keeps its part object and
 * does not render again while the answer streams below it.
 */
export const ToolCallCard = memo(function ToolCallCard({ part, running }: Props) {
  const busy = running && (part.state === "input-streaming" || part.state === "input-available");
  const args = inputText(part);
  const failed = part.state === "output-error";
  return (
    <section
      data-testid="tool-call"
      data-tool-name={part.toolName}
      data-state={part.state}
      aria-busy={busy}
      className="mt-2 overflow-hidden rounded-xl border border-zinc-200 bg-zinc-50/70 text-sm motion-safe:animate-[fade-in_200ms_ease-out] dark:border-zinc-800 dark:bg-zinc-900/50"
    >
      <header className="flex items-center gap-2 px-3 py-2">
        <StatusIcon state={part.state} busy={busy} />
        <span data-testid="tool-name" className="font-medium text-zinc-800 dark:text-zinc-100">
          {toolLabel(part.toolName)}
        </span>
        <span
          data-testid="tool-status"
          role={busy ? "status" : undefined}
          className={`ml-auto text-xs ${failed ? "text-red-600 dark:text-red-400" : "text-zinc-500 dark:text-zinc-400"}`}
        >
          {statusText(part, running)}
        </span>
      </header>
      <div className="space-y-2 border-zinc-200 border-t px-3 py-2 dark:border-zinc-800">
        {args ? (
          <Field label="Arguments">
            <pre
              data-testid="tool-input"
              className="max-h-48 overflow-auto whitespace-pre-wrap break-words font-mono text-xs text-zinc-700 dark:text-zinc-300"
            >
              {args}
            </pre>
          </Field>
        ) : null}
        {part.state === "output-available" ? (
          <Field label="Result">
            <FoldedText testId="tool-output" text={outputText(part.output)} />
          </Field>
        ) : null}
        {failed ? (
          <Field label="Error">
            <p
              data-testid="tool-error"
              className="whitespace-pre-wrap break-words font-mono text-xs text-red-700 dark:text-red-400"
            >
              {part.errorText || "The tool failed."}
            </p>
          </Field>
        ) : null}
      </div>
    </section>
  );
});

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <div className="mb-0.5 font-medium text-[11px] text-zinc-400 uppercase tracking-wide dark:text-zinc-500">
        {label}
      </div>
      {children}
    </div>
  );
}

function StatusIcon({ state, busy }: { state: ToolPart["state"]; busy: boolean }) {
  if (busy) {
    return (
      <span
        aria-hidden
        className="size-3.5 shrink-0 animate-spin rounded-full border-2 border-zinc-300 border-t-indigo-500 dark:border-zinc-600 dark:border-t-indigo-400"
      />
    );
  }
  if (state === "output-error") return <Icon name="alert" className="size-4 shrink-0 text-red-500" />;
  if (state === "output-available")
    return <Icon name="check" className="size-4 shrink-0 text-emerald-600 dark:text-emerald-400" />;
  return <span aria-hidden className="size-2 shrink-0 rounded-full bg-zinc-300 dark:bg-zinc-600" />;
}

const FOLD_LINES = 8;
const FOLD_CHARS = 600;

/** Long text shows its beginning and a "Show all" toggle. */
function FoldedText({ testId, text }: { testId: string; text: string }) {
  const id = useId();
  const [open, setOpen] = useState(false);
  const lines = text.split("\n");
  const long = lines.length > FOLD_LINES || text.length > FOLD_CHARS;
  const shown = long && !open ? lines.slice(0, FOLD_LINES).join("\n").slice(0, FOLD_CHARS) : text;
  return (
    <div>
      <pre
        id={id}
        data-testid={testId}
        data-folded={long && !open ? "true" : undefined}
        className="whitespace-pre-wrap break-words font-mono text-xs text-zinc-800 dark:text-zinc-200"
      >
        {long && !open ? `${shown}…` : shown}
      </pre>
      {long ? (
        <button
          type="button"
          data-testid="tool-output-toggle"
          aria-expanded={open}
          aria-controls={id}
          onClick={() => setOpen(!open)}
          className="mt-1 rounded px-1 -ml-1 font-medium text-indigo-600 text-xs hover:bg-indigo-50 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-indigo-400 dark:hover:bg-indigo-950"
        >
          {open ? "Show less" : "Show all"}
        </button>
      ) : null}
    </div>
  );
}
