"use client";

import { createContext } from "react";
import type { ToolCallAnswer } from "@/lib/client/chat-link";
import type { NestedRuns } from "@/lib/client/nested";
import type { Ack } from "@/lib/protocol";

/** What the owner can do from inside a message; share viewers get none of it. */
export type OwnerActions = {
  answerApproval?: (answer: ToolCallAnswer) => Promise<Ack>;
  stopRun?: (messageId: string) => void;
};

export const OwnerActionsContext = createContext<OwnerActions>({});

/**
 * Answers other agents asked for, read by the cards of the calls that asked.
 * A context rather than props: the asking card is memoised on its own entry
 * and would not render again as the answer inside it streams.
 */
export const NestedRunsContext = createContext<NestedRuns>(new Map());
