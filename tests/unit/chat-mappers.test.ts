import { describe, expect, it } from "vitest";
import { buildHistory, messagesBefore } from "@/lib/agents/history";
import { builtInAgents } from "@/lib/agents/roster";
import { titleFromText } from "@/lib/chat/mappers";
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

  it("keeps only the messages before the run's own", () => {
    expect(messagesBefore(messages, "3").map((m) => m.id)).toEqual(["1", "2"]);
  });
});
