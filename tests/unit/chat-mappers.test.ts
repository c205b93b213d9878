import { describe, expect, it } from "vitest";
import { branchBefore, buildHistory } from "@/lib/agents/history";
import { builtInAgents } from "@/lib/agents/roster";
import { titleFromText, toMessage } from "@/lib/chat/mappers";
import type { MessageRow } from "@/lib/db/schema";

describe("titleFromText", () => {
  it("takes the first line of the first message", () => {
    expect(titleFromText("  Plan a trip\nto Lisbon")).toBe("Plan a trip");
  });

  it("shortens a long line on a word boundary", () => {
    const title = titleFromText(`${"word ".repeat(30)}end`);
    expect(title.length).toBeLessThanOrEqual(61);
    expect(title.endsWith("word…")).toBe(true);
  });
});

const row = (id: string, role: "user" | "assistant", text: string, agentId?: string): MessageRow =>
  ({ id, role, text, agentId: agentId ?? null }) as MessageRow;

describe("buildHistory", () => {
  const [atlas] = builtInAgents;
  const messages = [
    row("1", "user", "Hi"),
    row("2", "assistant", "Hello from Atlas", "atlas"),
    row("3", "assistant", "A remark", "quill"),
    row("4", "assistant", "", "atlas"),
    row("5", "user", "Thanks"),
  ];

  it("gives the agent its own answers as assistant turns and names the other agents", () => {
    if (!atlas) throw new Error("no built-in agent");
    const turns = buildHistory({
      messages,
      agent: atlas,
      agentName: (id) => (id === "quill" ? "Quill" : id),
    });
    expect(turns).toEqual([
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello from Atlas" },
      { role: "user", content: "[Quill]: A remark" },
      { role: "user", content: "Thanks" },
    ]);
  });

  it("reads only the messages before the run's own on its branch", () => {
    const on = (id: string, parentId: string | null) => ({ ...row(id, "user", id), parentId });
    // 1 ─ 2 ─ 3 and, edited, 1 ─ 2' ─ 4: the answer 4 never reads 2.
    const tree = [on("1", null), on("2", "1"), on("3", "2"), on("2'", "1"), on("4", "2'")];
    expect(branchBefore(tree, "4").map((m) => m.id)).toEqual(["1", "2'"]);
    expect(branchBefore(tree, "3").map((m) => m.id)).toEqual(["1", "2"]);
    expect(branchBefore(tree, "1")).toEqual([]);
    expect(branchBefore(tree, "gone")).toEqual([]);
  });
});

describe("toMessage", () => {
  const stored = (fields: Partial<MessageRow>): MessageRow =>
    ({
      id: "a1",
      role: "assistant",
      agentId: "atlas",
      text: "",
      status: "complete",
      createdAt: new Date(0),
      error: null,
      parts: null,
      ...fields,
    }) as MessageRow;

  it("gives an answer its stored parts, and an old answer without parts its text as one part", () => {
    const parts = [
      { type: "reasoning" as const, text: "Hmm" },
      { type: "text" as const, text: "Yes" },
    ];
    expect(toMessage(stored({ text: "Yes", parts })).parts).toEqual(parts);
    expect(toMessage(stored({ text: "Old" })).parts).toEqual([{ type: "text", text: "Old" }]);
    expect(toMessage(stored({ text: "", status: "error" })).parts).toEqual([]);
  });

  it("gives a streaming answer its live parts and a user message none", () => {
    const live = {
      messageId: "a1",
      agentId: "atlas",
      seq: 3,
      text: "Y",
      parts: [
        { type: "reasoning" as const, text: "abc" },
        { type: "text" as const, text: "Y" },
      ],
    };
    const message = toMessage(
      stored({ status: "streaming", parts: [{ type: "reasoning", text: "a" }] }),
      live,
    );
    expect(message).toMatchObject({ text: "Y", parts: live.parts });
    expect(toMessage(stored({ role: "user", text: "Hi" })).parts).toBeUndefined();
  });
});

describe("buildHistory with reasoning", () => {
  it("sends only an answer's text upstream, never its reasoning", () => {
    const [atlas] = builtInAgents;
    if (!atlas) throw new Error("no built-in agent");
    const answer = {
      ...row("2", "assistant", "Four", "atlas"),
      parts: [
        { type: "reasoning", text: "secret thoughts" },
        { type: "text", text: "Four" },
      ],
    } as MessageRow;
    const turns = buildHistory({
      messages: [row("1", "user", "2+2?"), answer],
      agent: atlas,
      agentName: (id) => id,
    });
    expect(turns).toEqual([
      { role: "user", content: "2+2?" },
      { role: "assistant", content: "Four" },
    ]);
  });
});
