/**
 * A conversation is a tree: each message names the one before it on its
 * branch (`parentId`, null for a first message). An edit is a sibling of the
 * message it edits, a regenerated answer a sibling of the answer. The active
 * path runs from the root to the conversation's active leaf; it is what is
 * shown and what the agents read. The server and the browser read the tree
 * with these same functions, so both show the same path.
 *
 * An answer another agent asked for (`parentMessageId`) is not a node of the
 * tree: it is shown inside its asker, wherever the asker is. A message whose
 * `parentId` is not known yet (undefined: a send not yet placed) is not a node either.
 */
export type TreeMessage = {
  id: string | null;
  parentId?: string | null;
  parentMessageId?: string | null;
};

const isNode = (message: TreeMessage): message is TreeMessage & { id: string; parentId: string | null } =>
  message.id !== null && message.parentId !== undefined && !message.parentMessageId;

/** The tree's nodes by parent id (null: the roots), each list in the order given (the order written). */
export function childrenByParent<M extends TreeMessage>(messages: readonly M[]): Map<string | null, M[]> {
  const children = new Map<string | null, M[]>();
  for (const message of messages) {
    if (!isNode(message)) continue;
    const list = children.get(message.parentId);
    if (list) list.push(message);
    else children.set(message.parentId, [message]);
  }
  return children;
}

/** Where a branch ends below this message: down through the latest child at each step. */
export function leafUnder<M extends TreeMessage>(
  messages: readonly M[],
  messageId: string,
  children: Map<string | null, M[]> = childrenByParent(messages),
): string {
  let leaf = messageId;
  const seen = new Set<string>();
  for (;;) {
    seen.add(leaf);
    const next = children.get(leaf)?.at(-1);
    if (!next?.id || seen.has(next.id)) return leaf;
    leaf = next.id;
  }
}

/** The messages from the root down to this one (itself included), by parent; [] when it is not among them. */
export function pathTo<M extends TreeMessage>(byId: ReadonlyMap<string, M>, messageId: string | null): M[] {
  const path: M[] = [];
  const seen = new Set<string>();
  for (let id = messageId; id !== null && !seen.has(id); ) {
    const message = byId.get(id);
    if (!message) break;
    seen.add(id);
    path.push(message);
    id = message.parentId ?? null;
  }
  return path.reverse();
}

/**
 * The active path, root to leaf, as nodes of `messages`: up from the leaf,
 * then on down through the latest children (messages written below the leaf
 * since it was stored). Without a known leaf, the branch of the latest root.
 */
export function activePath<M extends TreeMessage>(
  messages: readonly M[],
  leafId: string | null | undefined,
): M[] {
  const children = childrenByParent(messages);
  const byId = new Map<string, M>();
  for (const list of children.values()) for (const message of list) byId.set(message.id as string, message);
  const start = leafId && byId.has(leafId) ? leafId : children.get(null)?.at(-1)?.id;
  return start ? pathTo(byId, leafUnder(messages, start, children)) : [];
}

/**
 * What the active path shows, in the order given: its nodes and the answers
 * agents asked for inside them (at any depth).
 */
export function shownMessages<M extends TreeMessage>(
  messages: readonly M[],
  leafId: string | null | undefined,
): M[] {
  const shown = new Set<string>(activePath(messages, leafId).map((message) => message.id as string));
  // Asked answers come after their asker in the order written, so one pass finds every depth.
  for (const message of messages) {
    if (message.id && message.parentMessageId && shown.has(message.parentMessageId)) shown.add(message.id);
  }
  return messages.filter((message) => message.id !== null && shown.has(message.id));
}

/** The node's siblings, itself included, in the order written; just itself when it has none. */
export function siblingsOf<M extends TreeMessage>(
  messages: readonly M[],
  message: M,
  children: Map<string | null, M[]> = childrenByParent(messages),
): M[] {
  if (!isNode(message)) return [message];
  return children.get(message.parentId) ?? [message];
}
