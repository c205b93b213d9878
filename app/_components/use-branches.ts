"use client";

import { useMemo } from "react";
import { branchPositions } from "@/lib/client/branches";
import type { ChatEntry } from "@/lib/client/state";
import type { Branches } from "./chat-context";

/**
 * Every message's place among its siblings, worked out again only when the
 * tree changes shape (a message added, stored or placed), not on each
 * streamed token, so the cards that read it stay memoised.
 */
export function useBranches(entries: readonly ChatEntry[], show?: (messageId: string) => void): Branches {
  const shape = entries
    .map(
      (entry) =>
        `${entry.key} ${entry.id} ${entry.parentId} ${entry.kind === "assistant" && entry.parent !== null}`,
    )
    .join("\n");
  // biome-ignore lint/correctness/useExhaustiveDependencies: the positions follow the shape, which the entries' text does not change
  return useMemo(() => ({ positions: branchPositions(entries), show }), [shape, show]);
}
