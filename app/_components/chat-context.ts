"use client";

import { createContext } from "react";
import type { PublicAgent } from "@/lib/agents/types";
import type { BranchPosition } from "@/lib/client/branches";
import type { ToolCallAnswer } from "@/lib/client/chat-link";
import type { NestedRuns } from "@/lib/client/nested";
import type { Ack } from "@/lib/protocol";

/** What the owner can do from inside a message; share viewers get none of it. */
export type OwnerActions = {
  answerApproval?: (answer: ToolCallAnswer) => Promise<Ack>;
  stopRun?: (messageId: string) => void;
  /** Asks again in other words: a new branch beside this user message. */
  edit?: (messageId: string, text: string) => void;
  /** A new answer beside this one, by the same agent or another; settles once the server has answered. */
  regenerate?: (messageId: string, agentId?: string) => Promise<void>;
  /** Who may give a regenerated answer. */
  agents?: PublicAgent[];
};

export const OwnerActionsContext = createContext<OwnerActions>({});

/**
 * Answers other agents asked for, read by the cards of the calls that asked.
 * A context rather than props: the asking card is memoised on its own entry
 * and would not render again as the answer inside it streams.
 */
export const NestedRunsContext = createContext<NestedRuns>(new Map());

/**
 * Where each message with siblings stands among them, by entry key, and (for
 * the owner) the way to show another. The value changes only when the tree
 * does, not as answers stream, so memoised cards may read it.
 */
export type Branches = { positions: ReadonlyMap<string, BranchPosition>; show?: (messageId: string) => void };

export const BranchesContext = createContext<Branches>({ positions: new Map() });
