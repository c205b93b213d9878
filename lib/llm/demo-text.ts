const QUOTE_LIMIT = 80;

const TIPS = [
  "Every word you see arrives as its own Socket.IO event, so other tabs watching this conversation see the same text grow.",
  "Press **Stop** while I am typing and the run ends at once; the text so far is kept.",
  "Share the conversation and anyone with the link can watch answers stream in, read-only.",
];

function hash(text: string): number {
  let value = 0;
  for (let i = 0; i < text.length; i++) value = (value * 31 + text.charCodeAt(i)) >>> 0;
  return value;
}

/** The user's words on one line, shortened, safe inside a Markdown blockquote. */
export function quoteOf(message: string): string {
  const flat = message.replace(/\s+/g, " ").trim();
  if (flat === "") return "(an empty message)";
  const short = flat.length > QUOTE_LIMIT ? `${flat.slice(0, QUOTE_LIMIT - 1).trimEnd()}…` : flat;
  return short.replace(/`/g, "'");
}

/**
 * What the demo model "thinks" before it answers: honest that it is a script,
 * long enough (about 50 words) to be seen streaming for a moment.
 */
export function composeDemoReasoning(lastUserMessage: string): string {
  return [
    `The user wrote "${quoteOf(lastUserMessage)}".`,
    "I am the offline demo, so I cannot really think about it:",
    "this paragraph is scripted to show where a reasoning model's thinking appears while it streams,",
    "before the answer starts.",
    "A real model connected through LLM_BASE_URL would weigh the question here.",
    "I will explain what this demo shows instead.",
  ].join(" ");
}

/** The tools the demo knows how to call, in the order it prefers them. */
export type DemoToolName = "ask_agent" | "current_time" | "calculator";

/**
 * The agent a message asks the demo to consult ("ask Quill…", "ask @quill…"),
 * among those the ask_agent tool's description lists as `- <id> (<Name>): …`;
 * its id, or undefined.
 */
export function agentAskedIn(message: string, askAgentDescription: string): string | undefined {
  const named = message.match(/\bask\s+@?([A-Za-z][\w-]*)/i)?.[1]?.toLowerCase();
  if (!named) return undefined;
  for (const [, id, name] of askAgentDescription.matchAll(/^- ([\w-]+) \(([^)]*)\):/gm)) {
    if (id?.toLowerCase() === named || name?.toLowerCase() === named) return id;
  }
  return undefined;
}

/** The first arithmetic in the user's words, e.g. "12 * 7" in "what is 12 * 7?". */
export function expressionIn(message: string): string | undefined {
  return message.match(/\d+(?:\.\d+)?(?:\s*[-+*/^%]\s*\d+(?:\.\d+)?)+/)?.[0];
}

/** The line of reasoning that announces the tool call. */
export function composeDemoToolIntent(toolName: DemoToolName): string {
  if (toolName === "ask_agent")
    return " First I will ask the other agent with the ask_agent tool, so its answer streams inside mine.";
  return ` First I will call the ${toolName} tool, so there is something real to show.`;
}

/** How the demo reports, honestly, what the tool it called gave back. */
export function composeDemoToolReport(toolName: string, result: string, failed: boolean): string {
  const shown = result.replace(/\s+/g, " ").trim().replace(/`/g, "'");
  if (failed) return `I called the \`${toolName}\` tool, but it failed: ${shown}`;
  if (toolName === "ask_agent")
    return "I asked another agent with the `ask_agent` tool. Its answer is in the tool's card above: it came from that agent, not from me.";
  return `I called the \`${toolName}\` tool and it returned \`${shown}\`. That value came from the tool itself, not from me.`;
}

/**
 * The demo model's answer: deterministic for a given message, a few paragraphs of
 * Markdown with a quote, a list and a code block so rendering can be seen.
 */
export function composeDemoAnswer(lastUserMessage: string): string {
  const quote = quoteOf(lastUserMessage);
  const words = lastUserMessage.split(/\s+/).filter(Boolean).length;
  const tip = TIPS[hash(lastUserMessage) % TIPS.length] ?? TIPS[0];
  return [
    "Hello! I am the **offline demo model** built into Switchboard. I am not a language model: " +
      "no model is connected, so I answer from a script, without any network, to show how replies stream.",
    `You wrote:\n\n> ${quote}`,
    "Here is what this demo shows:",
    [
      "- Text arrives word by word, the way a real model streams tokens.",
      "- Answers are Markdown: **bold**, *italics*, lists and code.",
      "- The progress bar, the time estimate and the Stop button behave as they do with a real model.",
    ].join("\n"),
    `${tip}`,
    [
      "```ts",
      "// what the server does with each token",
      `const words = ${words};`,
      'for await (const delta of answer) socket.emit("agent_processing_update", delta);',
      "```",
    ].join("\n"),
    "To talk to a real model, set `LLM_BASE_URL` to an OpenAI-compatible gateway such as LiteLLM " +
      "(and `LLM_MODEL` if you like), or start Ollama on this machine and restart Switchboard.",
  ].join("\n\n");
}

/**
 * Splits text into word deltas that keep their leading whitespace, so that joining
 * them gives the text back exactly.
 */
export function splitIntoWords(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}
