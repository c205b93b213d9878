"use client";

import type { ComponentType } from "react";
import { type AssistantEntry, isTerminal } from "@/lib/client/run";
import type { ToolPart } from "@/lib/protocol/parts";
import { Markdown } from "./markdown";
import { ReasoningBlock } from "./reasoning-block";
import { ToolCallCard } from "./tool-call-card";

export type Segment =
  | { kind: "reasoning"; index: number; text: string; active: boolean; durationMs: number | null }
  | { kind: "tool"; index: number; part: ToolPart; running: boolean }
  /** `answer`: the last text of the message, the one that carries `streaming-text`. */
  | { kind: "text"; index: number; text: string; answer: boolean };

/**
 * What of an answer's parts to show, in order: reasoning (unless hidden), tool
 * calls and text. `shownLength` is how much of the answer's text the
 * typewriter has revealed; nothing after text still being typed shows yet, so
 * a tool card never appears above words it came after.
 */
export function segmentsOf(entry: AssistantEntry, shownLength: number, showReasoning: boolean): Segment[] {
  const running = !isTerminal(entry.phase);
  const last = entry.parts.length - 1;
  const answerAt = entry.parts.findLastIndex((part) => part.type === "text" && part.text !== "");
  let budget = shownLength >= entry.text.length ? Number.POSITIVE_INFINITY : shownLength;
  const segments: Segment[] = [];
  for (const [index, part] of entry.parts.entries()) {
    if (part.type === "reasoning") {
      if (!showReasoning || part.text.trim() === "") continue;
      const timing = entry.partTimes[index];
      const durationMs = timing && timing.endedAt !== null ? timing.endedAt - timing.startedAt : null;
      segments.push({
        kind: "reasoning",
        index,
        text: part.text,
        active: running && index === last,
        durationMs,
      });
    } else if (part.type === "tool") {
      segments.push({ kind: "tool", index, part, running });
    } else if (part.text !== "") {
      const shown = Math.min(part.text.length, budget);
      budget -= shown;
      if (shown > 0) {
        const text = part.text.slice(0, shown);
        segments.push({ kind: "text", index, text, answer: index === answerAt });
      }
      if (shown < part.text.length) break;
    }
  }
  // Older answers known only by their text.
  if (answerAt < 0 && entry.text !== "") {
    const text = entry.text.slice(0, Math.min(entry.text.length, shownLength));
    segments.push({ kind: "text", index: entry.parts.length, text, answer: true });
  }
  return segments;
}

type Props = {
  segments: Segment[];
  /** The answer these parts belong to, and its agent. */
  messageId: string;
  agentName: string;
  /** Shows the answers an `ask_agent` call asked for, inside its card. */
  Nested?: ComponentType<{ messageId: string; toolCallId: string }>;
  /** The message is still streaming to the reader (its text may still be being typed out). */
  streaming: boolean;
  live: boolean;
  keepReasoningOpen: boolean;
};

/**
 * An answer's parts in order. Exactly one `streaming-text` element, on the
 * answer's last text: empty until that text begins.
 */
export function MessageParts({
  segments,
  messageId,
  agentName,
  Nested,
  streaming,
  live,
  keepReasoningOpen,
}: Props) {
  const fadeIn = live ? "motion-safe:animate-[fade-in_240ms_ease-out]" : "";
  const hasAnswer = segments.some((segment) => segment.kind === "text" && segment.answer);
  return (
    <>
      {segments.map((segment, at) => {
        if (segment.kind === "reasoning") {
          return (
            <ReasoningBlock
              key={segment.index}
              text={segment.text}
              active={segment.active}
              durationMs={segment.durationMs}
              keepOpen={keepReasoningOpen}
            />
          );
        }
        if (segment.kind === "tool") {
          const { part } = segment;
          return (
            <ToolCallCard
              key={segment.index}
              part={part}
              running={segment.running}
              messageId={messageId}
              agentName={agentName}
            >
              {Nested && part.toolName === "ask_agent" ? (
                <Nested messageId={messageId} toolCallId={part.toolCallId} />
              ) : undefined}
            </ToolCallCard>
          );
        }
        return (
          <div
            key={segment.index}
            data-testid={segment.answer ? "streaming-text" : "step-text"}
            aria-live={segment.answer ? "polite" : undefined}
            className={`mt-1 min-w-0 break-words text-zinc-800 dark:text-zinc-200 ${fadeIn}`}
          >
            <Markdown text={segment.text} streaming={streaming && at === segments.length - 1} />
          </div>
        );
      })}
      {hasAnswer ? null : (
        <div
          key="streaming-text"
          data-testid="streaming-text"
          aria-live="polite"
          className="mt-1 min-w-0 break-words text-zinc-800 empty:hidden dark:text-zinc-200"
        />
      )}
    </>
  );
}
