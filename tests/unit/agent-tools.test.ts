import { describe, expect, it, vi } from "vitest";
import { buildHistory } from "@/lib/agents/history";
import { builtInAgents } from "@/lib/agents/roster";
import { calculate, calculatorTool, MAX_EXPRESSION_LENGTH } from "@/lib/agents/tools/calculator";
import { createCurrentTimeTool, currentTime } from "@/lib/agents/tools/current-time";
import { toolsForRun } from "@/lib/agents/tools/registry";
import { createSearchConversationsTool, passageOf } from "@/lib/agents/tools/search-conversations";
import { containsPattern } from "@/lib/db/queries/search";
import type { MessageRow } from "@/lib/db/schema";

const context = { abortSignal: new AbortController().signal, toolCallId: "t1" };

describe("calculator", () => {
  it.each([
    ["1+1", "2"],
    ["2 * (3 + 4)", "14"],
    ["0.1 + 0.2", "0.3"],
    ["10!", "3628800"],
    ["sqrt(-4)", "2i"],
    ["sin(30 deg)", "0.5"],
    ["5 inch to cm", "12.7 cm"],
    ["a = 3; a * 2", "6"],
    ["mean([1, 2, 3])", "2"],
    ["2^64", "1.844674407371e+19"],
  ])("evaluates %s to %s", async (expression, result) => {
    expect(await calculatorTool.execute({ expression }, context)).toBe(result);
  });

  it.each([
    ['evaluate("1+1")', /evaluate/],
    ['parse("1+1")', /parse/],
    ["import({}, {override: true})", /import/],
    ['createUnit("foo")', /createUnit/],
    ["f(x) = x", /defining functions/],
    ["zeros(10000, 10000)", /zeros/],
    ["1:1e9", /range/],
    ["sin = zeros", /cannot assign to sin/],
    ["f = combinations; f(1e9, 5e8)", /combinations/],
    ["x", /Undefined symbol x/],
    ["2 +", /cannot read/],
    ["sin", /no value/],
  ])("refuses %s", (expression, message) => {
    expect(() => calculate(expression)).toThrow(message);
  });

  it("refuses an expression longer than the limit and an empty one", async () => {
    const long = `1${"+1".repeat(MAX_EXPRESSION_LENGTH)}`;
    expect(() => calculate(long)).toThrow(/longer than 500/);
    await expect(calculatorTool.execute({ expression: "  " }, context)).rejects.toThrow(/empty/);
    expect(calculatorTool.inputSchema.safeParse({ expression: long }).success).toBe(false);
  });

  it("leaves the shared mathjs instance alone: a refused import changes nothing for the next call", () => {
    expect(() => calculate("import({pi: 3}, {override: true})")).toThrow();
    expect(calculate("round(pi, 2)")).toBe("3.14");
  });
});

describe("current_time", () => {
  const now = new Date("2026-03-01T12:34:56Z");

  it("answers the ISO instant and the local time of the zone, UTC by default", async () => {
    expect(currentTime({ timeZone: "Asia/Tokyo" }, now)).toEqual({
      timeZone: "Asia/Tokyo",
      iso: "2026-03-01T12:34:56.000Z",
      local: expect.stringMatching(/Sunday, March 1, 2026 at 9:34:56\s?PM GMT\+9/),
    });
    const tool = createCurrentTimeTool(() => now);
    expect(await tool.execute({}, context)).toMatchObject({ timeZone: "UTC", iso: now.toISOString() });
  });

  it("refuses a zone Intl does not know, saying what to use", async () => {
    const tool = createCurrentTimeTool(() => now);
    await expect(tool.execute({ timeZone: "Mars/Olympus" }, context)).rejects.toThrow(
      /unknown time zone "Mars\/Olympus".*IANA/,
    );
  });
});

describe("search_conversations", () => {
  it("searches only the owner it was bound to, whatever the input says", async () => {
    const search = vi.fn(async () => [
      {
        conversationId: "c1",
        title: "Trip",
        messageId: "m1",
        role: "user" as const,
        agentId: null,
        text: "The ferry leaves at 9.",
        createdAt: new Date("2026-01-01T00:00:00Z"),
      },
    ]);
    const tool = createSearchConversationsTool({ ownerId: "owner-1", search });
    const result = await tool.execute({ query: "ferry", ownerId: "someone-else" }, context);
    expect(search).toHaveBeenCalledWith({ ownerId: "owner-1", query: "ferry", limit: 8 });
    expect(result).toEqual({
      query: "ferry",
      passages: [
        {
          conversationId: "c1",
          title: "Trip",
          role: "user",
          createdAt: "2026-01-01T00:00:00.000Z",
          passage: "The ferry leaves at 9.",
        },
      ],
    });
  });

  it("cuts a long message to a passage around the match", () => {
    const text = `${"a".repeat(1000)} needle ${"b".repeat(1000)}`;
    const passage = passageOf(text, "NEEDLE");
    expect(passage).toContain("needle");
    expect(passage.length).toBeLessThanOrEqual(302);
    expect(passage.startsWith("…") && passage.endsWith("…")).toBe(true);
  });

  it("takes LIKE wildcards and the escape character literally", () => {
    expect(containsPattern("50%_off\\")).toBe("%50\\%\\_off\\\\%");
  });

  it("is bound per run to the owner of the run's conversation", async () => {
    const searchMessages = vi.fn(async () => []);
    const ownerOf = vi.fn(async (id: string) => (id === "c1" ? "owner-1" : null));
    const grants = ["calculator", "current_time", "search_conversations"].map((name) => ({
      name,
      requireApproval: false,
    }));
    const tools = await toolsForRun({ grants, conversationId: "c1", services: { searchMessages, ownerOf } });
    expect(tools.map((tool) => tool.name)).toEqual(["calculator", "current_time", "search_conversations"]);
    await tools[2]?.execute({ query: "x y" }, context);
    expect(searchMessages).toHaveBeenCalledWith(expect.objectContaining({ ownerId: "owner-1" }));
    const none = await toolsForRun({
      grants: [],
      conversationId: "c1",
      services: { searchMessages, ownerOf },
    });
    expect(none).toEqual([]);
    expect(ownerOf).toHaveBeenCalledTimes(1);
  });
});

describe("history with tool calls", () => {
  const [atlas] = builtInAgents;
  const row = (fields: Partial<MessageRow>) =>
    ({ text: "", parts: null, agentId: null, ...fields }) as MessageRow;

  it("gives the agent's own answers their finished tool calls and text, never reasoning", () => {
    if (!atlas) throw new Error("no built-in agent");
    const tool = {
      type: "tool" as const,
      toolCallId: "c",
      toolName: "calculator",
      state: "output-available" as const,
      input: { expression: "6*7" },
      output: "42",
    };
    const turns = buildHistory({
      agent: atlas,
      agentName: (id) => id,
      messages: [
        row({ role: "user", text: "6*7?" }),
        row({
          role: "assistant",
          agentId: atlas.id,
          text: "42.",
          parts: [{ type: "reasoning", text: "hm" }, tool, { type: "text", text: "42." }],
        }),
        row({
          role: "assistant",
          agentId: atlas.id,
          text: "",
          parts: [{ ...tool, toolCallId: "cut", state: "input-available", output: undefined }],
        }),
        row({
          role: "assistant",
          agentId: atlas.id,
          text: "Plain.",
          parts: [{ type: "text", text: "Plain." }],
        }),
      ],
    });
    expect(turns).toEqual([
      { role: "user", content: "6*7?" },
      { role: "assistant", content: "42.", parts: [tool, { type: "text", text: "42." }] },
      { role: "assistant", content: "Plain." },
    ]);
  });
});
