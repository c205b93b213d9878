/** An agent as a mention can name it: by its name or its id. */
export type Mentionable = { id: string; name: string };

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The agents a message asks by `@Name` (or `@id`), in the order they are
 * first named, each once. A mention starts the text or follows a space or an
 * opening bracket or quote (so `a@b.com` names nobody), matches the name
 * without regard to case, and ends where the name does (`@Quill,` names Quill).
 * Longer names are tried first, so `@Atlas Prime` is not read as `@Atlas`.
 */
export function mentionedAgentIds(text: string, agents: readonly Mentionable[]): string[] {
  if (!text.includes("@") || agents.length === 0) return [];
  const names = agents
    .flatMap((agent) => [
      { key: agent.name, id: agent.id },
      { key: agent.id, id: agent.id },
    ])
    .filter((entry) => entry.key.trim() !== "")
    .sort((a, b) => b.key.length - a.key.length);
  const pattern = new RegExp(
    `(?:^|(?<=[\\s([{"'“‘]))@(${names.map((entry) => escapeRegExp(entry.key)).join("|")})(?![\\p{L}\\p{N}_-])`,
    "giu",
  );
  const byKey = new Map(names.map((entry) => [entry.key.toLowerCase(), entry.id]));
  const found: string[] = [];
  for (const match of text.matchAll(pattern)) {
    const id = byKey.get((match[1] ?? "").toLowerCase());
    if (id && !found.includes(id)) found.push(id);
  }
  return found;
}

/**
 * The mention being typed just before the caret, if any: where its `@`
 * stands and what follows it so far (`"Qu"` in `"ask @Qu"`).
 */
export function mentionAt(text: string, caret: number): { start: number; query: string } | null {
  const match = /(?:^|[\s([{"'“‘])@([\p{L}\p{N}_-]*)$/u.exec(text.slice(0, caret));
  if (!match) return null;
  const query = match[1] ?? "";
  return { start: caret - query.length - 1, query };
}
