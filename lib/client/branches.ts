import { childrenByParent, leafUnder, shownMessages, siblingsOf, type TreeMessage } from "../protocol/tree";
import type { ChatEntry } from "./types";

/**
 * An entry as the shared tree functions read it. An edit this tab has not had
 * stored yet goes by its key, so it can be the active leaf before it has an id.
 */
type EntryNode = TreeMessage & { id: string; entry: ChatEntry };

const nodesOf = (entries: readonly ChatEntry[]): EntryNode[] =>
  entries.map((entry) => ({
    id: entry.id ?? entry.key,
    parentId: entry.parentId,
    parentMessageId: entry.kind === "assistant" ? entry.parent?.messageId : undefined,
    entry,
  }));

/**
 * What the list shows, in order: the active path and the answers asked for
 * inside it, as the server shows it, and whatever is not placed in the tree
 * yet (a message on its way, a run whose events came before its place), so
 * nothing just sent ever disappears. An answer asked for by another agent goes
 * with its asker; one whose asker is unknown here is shown.
 */
export function entriesShown(entries: readonly ChatEntry[], leafId: string | null | undefined): ChatEntry[] {
  const nodes = nodesOf(entries);
  const shown = new Set(shownMessages(nodes, leafId).map((node) => node.entry));
  const known = new Set(nodes.map((node) => node.id));
  const visibleIds = new Set<string>();
  const visible: ChatEntry[] = [];
  for (const node of nodes) {
    const asker = node.parentMessageId;
    const show =
      shown.has(node.entry) ||
      (asker ? !known.has(asker) || visibleIds.has(asker) : node.parentId === undefined);
    if (!show) continue;
    visible.push(node.entry);
    visibleIds.add(node.id);
  }
  return visible;
}

/** The leaf of the branch through this message (an id, or the key of an edit not stored yet). */
export function leafThrough(entries: readonly ChatEntry[], messageId: string): string {
  return leafUnder(nodesOf(entries), messageId);
}

/** Where a message stands among its siblings, in the order written. */
export type BranchPosition = {
  /** 1-based. */
  index: number;
  count: number;
  /** The sibling before and after it, by id; null at either end and for one not stored yet. */
  previous: string | null;
  next: string | null;
};

/** The position of every message that has siblings, by entry key. */
export function branchPositions(entries: readonly ChatEntry[]): Map<string, BranchPosition> {
  const nodes = nodesOf(entries);
  const children = childrenByParent(nodes);
  const positions = new Map<string, BranchPosition>();
  for (const node of nodes) {
    const siblings = siblingsOf(nodes, node, children);
    if (siblings.length < 2) continue;
    const at = siblings.indexOf(node);
    const storedId = (sibling: EntryNode | undefined) => sibling?.entry.id ?? null;
    positions.set(node.entry.key, {
      index: at + 1,
      count: siblings.length,
      previous: storedId(siblings[at - 1]),
      next: storedId(siblings[at + 1]),
    });
  }
  return positions;
}
