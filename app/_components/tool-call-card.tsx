"use client";

import { memo } from "react";
import type { ToolPart } from "@/lib/protocol/parts";
import { FoldedResult, FoldedText } from "./folded-text";
import { Icon } from "./icon";
import { ApprovalBadge, ToolApproval } from "./tool-approval";

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
      // Handed to the tool, and the answer ended before its result: stopped or cut off while it ran.
      if (!running) return "Stopped";
      if (part.toolName === "ask_agent") return "Waiting for the answer…";
      const known = friendlyNames[part.toolName];
      return `Running ${known ? known.toLowerCase() : part.toolName}…`;
    }
    case "approval-requested":
      return running ? "Waiting for approval" : "Not run";
    case "output-available":
      return "Done";
    case "output-error":
      return isRefused(part) ? "Not run" : "Failed";
  }
}

const isRefused = (part: ToolPart) => part.approval === "denied" || part.approval === "expired";

type Props = {
  part: ToolPart;
  /** The answer is still under way, so a call without its result is still running. */
  running: boolean;
  /** The answer that made the call, and its agent. */
  messageId: string;
  agentName: string;
  /** For `ask_agent`: the answers it asked for, shown inside the card; its result then folds away. */
  children?: React.ReactNode;
};

/**
 * One tool call: its name, its arguments as they stream, a spinner while it
 * runs, then its result or its error. A call that needs the owner's approval
 * asks for it here, and once answered says how. Tool output is untrusted, so
 * all of it renders as plain text. Memoised: a finished card keeps its part
 * object and does not render again while the answer streams below it.
 */
export const ToolCallCard = memo(function ToolCallCard({
  part,
  running,
  messageId,
  agentName,
  children,
}: Props) {
  const busy = running && (part.state === "input-streaming" || part.state === "input-available");
  const waiting = running && part.state === "approval-requested";
  const args = inputText(part);
  const argsField = args ? (
    <Field label="Arguments">
      <pre
        data-testid="tool-input"
        className="max-h-48 overflow-auto whitespace-pre-wrap break-words font-mono text-xs text-zinc-700 dark:text-zinc-300"
      >
        {args}
      </pre>
    </Field>
  ) : null;
  return (
    <section
      data-testid="tool-call"
      data-tool-name={part.toolName}
      data-state={part.state}
      data-approval={part.approval}
      aria-busy={busy}
      className={`mt-2 overflow-hidden rounded-xl border text-sm motion-safe:animate-[fade-in_200ms_ease-out] ${
        waiting
          ? "border-amber-300 bg-amber-50/40 dark:border-amber-700/60 dark:bg-amber-950/10"
          : "border-zinc-200 bg-zinc-50/70 dark:border-zinc-800 dark:bg-zinc-900/50"
      }`}
    >
      <ToolCallHeader part={part} running={running} busy={busy} waiting={waiting} />
      <div
        className={`space-y-2 border-t px-3 py-2 ${waiting ? "border-amber-200 dark:border-amber-800/50" : "border-zinc-200 dark:border-zinc-800"}`}
      >
        {waiting ? (
          <ToolApproval
            part={part}
            messageId={messageId}
            agentName={agentName}
            toolName={toolLabel(part.toolName)}
          >
            {argsField}
          </ToolApproval>
        ) : (
          argsField
        )}
        {children}
        <ToolOutcome part={part} folded={children !== undefined} />
      </div>
    </section>
  );
});

type HeaderProps = { part: ToolPart; running: boolean; busy: boolean; waiting: boolean };

function ToolCallHeader({ part, running, busy, waiting }: HeaderProps) {
  const refused = isRefused(part);
  const failed = part.state === "output-error" && !refused;
  return (
    <header className="flex items-center gap-2 px-3 py-2">
      <StatusIcon state={part.state} busy={busy} waiting={waiting} refused={refused} />
      <span data-testid="tool-name" className="font-medium text-zinc-800 dark:text-zinc-100">
        {toolLabel(part.toolName)}
      </span>
      <ApprovalBadge approval={part.approval} />
      <span
        data-testid="tool-status"
        role={busy || waiting ? "status" : undefined}
        className={`ml-auto text-xs ${
          waiting
            ? "font-medium text-amber-700 dark:text-amber-400"
            : failed
              ? "text-red-600 dark:text-red-400"
              : "text-zinc-500 dark:text-zinc-400"
        }`}
      >
        {statusText(part, running)}
      </span>
    </header>
  );
}

/** The call's result, or why it has none: it failed, or the owner did not approve it. */
function ToolOutcome({ part, folded }: { part: ToolPart; folded: boolean }) {
  if (part.state === "output-available") {
    const text = outputText(part.output);
    if (folded) return <FoldedResult text={text} />;
    return (
      <Field label="Result">
        <FoldedText testId="tool-output" text={text} />
      </Field>
    );
  }
  if (part.state !== "output-error") return null;
  const refused = isRefused(part);
  return (
    <Field label={refused ? "Not run" : "Error"}>
      <p
        data-testid="tool-error"
        className={`whitespace-pre-wrap break-words font-mono text-xs ${
          refused ? "text-zinc-600 dark:text-zinc-400" : "text-red-700 dark:text-red-400"
        }`}
      >
        {part.errorText || "The tool failed."}
      </p>
    </Field>
  );
}

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

type IconProps = { state: ToolPart["state"]; busy: boolean; waiting: boolean; refused: boolean };

function StatusIcon({ state, busy, waiting, refused }: IconProps) {
  if (busy) {
    return (
      <span
        aria-hidden
        className="size-3.5 shrink-0 animate-spin rounded-full border-2 border-zinc-300 border-t-indigo-500 dark:border-zinc-600 dark:border-t-indigo-400"
      />
    );
  }
  if (waiting)
    return (
      <span aria-hidden className="size-2 shrink-0 rounded-full bg-amber-500 motion-safe:animate-pulse" />
    );
  if (refused) return <Icon name="close" className="size-4 shrink-0 text-zinc-400 dark:text-zinc-500" />;
  if (state === "output-error") return <Icon name="alert" className="size-4 shrink-0 text-red-500" />;
  if (state === "output-available")
    return <Icon name="check" className="size-4 shrink-0 text-emerald-600 dark:text-emerald-400" />;
  return <span aria-hidden className="size-2 shrink-0 rounded-full bg-zinc-300 dark:bg-zinc-600" />;
}
