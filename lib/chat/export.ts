import { formatBytes } from "../attachments/names";
import { contentDisposition } from "../http/content-disposition";
import type { Conversation, Message, MessagePart } from "../protocol";

export const exportFormats = ["md", "json"] as const;
export type ExportFormat = (typeof exportFormats)[number];

export type ExportOptions = {
  agentName(agentId: string): string;
  /** JSON only: every other branch's messages too, as `otherBranches`. */
  branches?: boolean;
  now?: Date;
};

const SUMMARY_MAX = 200;

/** "Plan a trip to Lisbon!" → "plan-a-trip-to-lisbon"; "conversation" when nothing is left. */
export function slugify(title: string): string {
  const slug = title
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, 80)
    .replace(/^-+|-+$/g, "");
  return slug || "conversation";
}

const when = (iso: string) => `${iso.slice(0, 16).replace("T", " ")} UTC`;

function short(value: unknown): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? "");
  return text.length > SUMMARY_MAX ? `${text.slice(0, SUMMARY_MAX)}…` : text;
}

/** One line for a tool call: what was asked, and what came back or went wrong. */
function toolLine(part: Extract<MessagePart, { type: "tool" }>): string {
  const asked = `> Tool \`${part.toolName}\` with \`${short(part.input ?? {})}\``;
  if (part.state === "output-available") return `${asked}: ${short(part.output)}`;
  if (part.state === "output-error") return `${asked} failed: ${short(part.errorText ?? "error")}`;
  return `${asked} (did not finish)`;
}

/** An answer's text and tool calls in order; its reasoning stays out. */
function answerBody(message: Message): string[] {
  const parts = message.parts ?? [{ type: "text" as const, text: message.text }];
  return parts.flatMap((part) => {
    if (part.type === "tool") return [toolLine(part)];
    if (part.type === "text" && part.text.trim()) return [part.text.trim()];
    return [];
  });
}

function statusNote(message: Message): string[] {
  if (message.status === "cancelled") return ["_Stopped before it finished._"];
  if (message.status === "interrupted") return ["_Interrupted: the server stopped before it finished._"];
  if (message.status === "error") return [`_Failed: ${message.error?.message ?? "error"}_`];
  return [];
}

function messageSection(message: Message, options: ExportOptions): string {
  const author = message.role === "user" ? "You" : options.agentName(message.agentId ?? "agent");
  const files = message.attachments ?? [];
  const body =
    message.role === "user"
      ? [message.text.trim()].filter(Boolean)
      : [...answerBody(message), ...statusNote(message)];
  const attached = files.length
    ? [`Attachments: ${files.map((file) => `${file.name} (${formatBytes(file.size)})`).join(", ")}`]
    : [];
  return [`## ${author} · ${when(message.createdAt)}`, ...body, ...attached].join("\n\n");
}

/** The active path as a Markdown document: the title, then each message with its author and time. */
export function toMarkdown(conversation: Conversation, options: ExportOptions): string {
  const { messages } = conversation;
  const exported = (options.now ?? new Date()).toISOString();
  const head = `# ${conversation.title}\n\n_Exported from Switchboard on ${when(exported)}._`;
  return `${[head, ...messages.map((message) => messageSection(message, options))].join("\n\n---\n\n")}\n`;
}

/** The export as a download: Markdown, or JSON as GET /api/conversations/:id has it. */
export function exportResponse(conversation: Conversation, format: ExportFormat, options: ExportOptions) {
  const { otherBranches, ...path } = conversation;
  const body =
    format === "md"
      ? toMarkdown(conversation, options)
      : `${JSON.stringify(options.branches ? { ...path, otherBranches } : path, null, 2)}\n`;
  const type = format === "md" ? "text/markdown" : "application/json";
  return new Response(body, {
    status: 200,
    headers: {
      "content-type": `${type}; charset=utf-8`,
      "content-disposition": contentDisposition("attachment", `${slugify(conversation.title)}.${format}`),
      "cache-control": "no-store",
    },
  });
}
