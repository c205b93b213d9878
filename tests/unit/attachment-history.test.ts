import { describe, expect, it } from "vitest";
import { buildHistory, FILE_TEXT_SENT_MAX, type HistoryMessage } from "@/lib/agents/history";
import type { AgentProfile } from "@/lib/agents/types";
import { exportResponse, slugify, toMarkdown } from "@/lib/chat/export";
import type { AttachmentContent } from "@/lib/db/queries";
import { toModelMessages } from "@/lib/llm/history";
import type { Conversation, Message } from "@/lib/protocol";
import { PNG_BYTES } from "../fixtures/files";

const agent = (fields: Partial<AgentProfile> = {}): AgentProfile => ({
  id: "atlas",
  name: "Atlas",
  description: "",
  systemPrompt: "Be helpful.",
  ...fields,
});

const file = (fields: Partial<AttachmentContent>): AttachmentContent => ({
  id: "f1",
  messageId: "m1",
  name: "notes.md",
  contentType: "text/plain",
  size: 5,
  content: Buffer.from("hello"),
  text: null,
  ...fields,
});

const userMessage = (text: string, attachments: AttachmentContent[]): HistoryMessage =>
  ({ id: "m1", role: "user", text, agentId: null, parts: null, attachments }) as unknown as HistoryMessage;

describe("a user message's files, as the model is sent them", () => {
  it("sends an image as an image part with its bytes, and a text file as text under its name", () => {
    const turns = buildHistory({
      messages: [
        userMessage("What is in these?", [
          file({
            id: "i",
            name: "dot.png",
            contentType: "image/png",
            content: PNG_BYTES,
            size: PNG_BYTES.length,
          }),
          file({ id: "t", name: "notes.md", content: Buffer.from("# Plan\n```js\nx()\n```") }),
        ]),
      ],
      agent: agent(),
      agentName: (id) => id,
    });
    expect(toModelMessages(turns)).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "What is in these?" },
          { type: "image", image: PNG_BYTES, mediaType: "image/png" },
          // The fence is longer than any run of backticks inside the file.
          { type: "text", text: "File notes.md:\n````\n# Plan\n```js\nx()\n```\n````" },
        ],
      },
    ]);
  });

  it("sends a PDF as its extracted text, and a message of files alone without an empty text part", () => {
    const turns = buildHistory({
      messages: [
        userMessage("", [file({ name: "q3.pdf", contentType: "application/pdf", text: "Revenue up" })]),
      ],
      agent: agent(),
      agentName: (id) => id,
    });
    expect(toModelMessages(turns)).toEqual([
      { role: "user", content: [{ type: "text", text: "File q3.pdf:\n```\nRevenue up\n```" }] },
    ]);
  });

  it("leaves images out for an agent that cannot see, saying so", () => {
    const turns = buildHistory({
      messages: [
        userMessage("Look", [file({ name: "dot.png", contentType: "image/png", content: PNG_BYTES })]),
      ],
      agent: agent({ vision: false }),
      agentName: (id) => id,
    });
    expect(toModelMessages(turns)).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "Look" },
          { type: "text", text: "[File dot.png left out: an image, and this model cannot see images]" },
        ],
      },
    ]);
  });

  it("cuts a long text file, saying how much was left out", () => {
    const long = "a".repeat(FILE_TEXT_SENT_MAX + 10);
    const [turn] = buildHistory({
      messages: [userMessage("", [file({ content: Buffer.from(long) })])],
      agent: agent(),
      agentName: (id) => id,
    });
    const sent = turn?.role === "user" ? turn.attachments?.[0] : undefined;
    expect(sent?.type === "text" && sent.text.endsWith("[… 10 more characters not shown]")).toBe(true);
  });
});

describe("export", () => {
  const conversation: Conversation = {
    id: "c1",
    title: "Plan a trip: Lisbon & Porto!",
    visibility: "private",
    shareId: null,
    agentIds: ["atlas"],
    createdAt: "2026-05-01T10:00:00.000Z",
    updatedAt: "2026-05-01T10:01:00.000Z",
    messages: [
      {
        id: "m1",
        role: "user",
        text: "How far is it?",
        status: "complete",
        createdAt: "2026-05-01T10:00:05.000Z",
        attachments: [{ id: "f1", name: "map.png", contentType: "image/png", size: 2048 }],
      },
      {
        id: "m2",
        role: "assistant",
        agentId: "atlas",
        text: "About 300 km.",
        status: "complete",
        createdAt: "2026-05-01T10:00:06.000Z",
        parts: [
          { type: "reasoning", text: "secret thoughts" },
          {
            type: "tool",
            toolCallId: "t1",
            toolName: "calculator",
            state: "output-available",
            input: { expression: "2*150" },
            output: 300,
          },
          { type: "text", text: "About 300 km." },
        ],
      },
    ],
  };

  it("writes the title, each message's author and time, tool calls summarised and files by name, never reasoning", () => {
    const markdown = toMarkdown(conversation, {
      agentName: (id) => (id === "atlas" ? "Atlas" : id),
      now: new Date("2026-05-02T08:00:00Z"),
    });
    expect(markdown).toBe(
      [
        "# Plan a trip: Lisbon & Porto!",
        "",
        "_Exported from Switchboard on 2026-05-02 08:00 UTC._",
        "",
        "---",
        "",
        "## You · 2026-05-01 10:00 UTC",
        "",
        "How far is it?",
        "",
        "Attachments: map.png (2 KB)",
        "",
        "---",
        "",
        "## Atlas · 2026-05-01 10:00 UTC",
        "",
        '> Tool `calculator` with `{"expression":"2*150"}`: 300',
        "",
        "About 300 km.",
        "",
      ].join("\n"),
    );
  });

  it("names the file after the title", () => {
    expect(slugify(conversation.title)).toBe("plan-a-trip-lisbon-porto");
    expect(slugify("Ça va? Überraschung")).toBe("ca-va-uberraschung");
    expect(slugify("日本語")).toBe("conversation");
  });

  it("holds the active path in JSON, and the other branches only when asked", async () => {
    const other = { ...(conversation.messages[1] as Message), id: "m2b", text: "Far." };
    const branched = { ...conversation, activeLeafId: "m2", otherBranches: [other] };
    const agentName = (id: string) => id;
    const path = await exportResponse(branched, "json", { agentName }).json();
    expect(path.messages.map((m: Message) => m.id)).toEqual(["m1", "m2"]);
    expect(path).not.toHaveProperty("otherBranches");
    const tree = await exportResponse(branched, "json", { agentName, branches: true }).json();
    expect(tree.otherBranches.map((m: Message) => m.id)).toEqual(["m2b"]);
    expect(await exportResponse(branched, "md", { agentName }).text()).not.toContain("Far.");
  });
});
