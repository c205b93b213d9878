import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { builtInAgents, loadRoster, Roster, RosterError } from "@/lib/agents/roster";

const dir = mkdtempSync(join(tmpdir(), "roster-"));
const write = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

describe("loadRoster", () => {
  it("uses the built-in roster of at least two agents with different prompts when no file is set", () => {
    const agents = loadRoster(undefined);
    expect(agents).toBe(builtInAgents);
    expect(agents.length).toBeGreaterThanOrEqual(2);
    expect(new Set(agents.map((a) => a.systemPrompt)).size).toBe(agents.length);
  });

  it("reads a YAML roster", () => {
    const file = write("agents.yaml", "agents:\n  - id: bot\n    name: Bot\n    systemPrompt: Be brief.\n");
    expect(loadRoster(file)).toEqual([
      { id: "bot", name: "Bot", description: "", systemPrompt: "Be brief." },
    ]);
  });

  it("reads a JSON array roster", () => {
    const file = write(
      "agents.json",
      JSON.stringify([{ id: "a", name: "A", systemPrompt: "x", model: "m" }]),
    );
    expect(loadRoster(file)[0]?.model).toBe("m");
  });

  it("takes a reasoning effort of low, medium or high and refuses any other", () => {
    const good = write(
      "effort.json",
      JSON.stringify([{ id: "a", name: "A", systemPrompt: "x", reasoningEffort: "high" }]),
    );
    expect(loadRoster(good)[0]?.reasoningEffort).toBe("high");
    const bad = write(
      "effort-bad.json",
      JSON.stringify([{ id: "a", name: "A", systemPrompt: "x", reasoningEffort: "max" }]),
    );
    expect(() => loadRoster(bad)).toThrow(/agents\.0\.reasoningEffort/);
  });

  it("grants tools by name or as { name }, with maxSteps", () => {
    const file = write(
      "tools.json",
      JSON.stringify([
        {
          id: "a",
          name: "A",
          systemPrompt: "x",
          tools: ["calculator", { name: "current_time" }, "search_conversations", "calculator"],
          maxSteps: 3,
        },
      ]),
    );
    const [agent] = loadRoster(file);
    expect(agent?.tools).toEqual([
      { name: "calculator", requireApproval: false },
      { name: "current_time", requireApproval: false },
      { name: "search_conversations", requireApproval: false },
    ]);
    expect(agent?.maxSteps).toBe(3);
  });

  it("grants ask_agent, and tools that wait for approval", () => {
    const file = write(
      "approval-tools.json",
      JSON.stringify([
        {
          id: "helper",
          name: "H",
          systemPrompt: "x",
          tools: ["ask_agent", { name: "calculator", requireApproval: true }],
        },
      ]),
    );
    expect(loadRoster(file)[0]?.tools).toEqual([
      { name: "ask_agent", requireApproval: false },
      { name: "calculator", requireApproval: true },
    ]);
  });

  it.each([
    [["nope"], /tools\.0: agent "helper" is granted an unknown tool "nope" \(available: calculator/],
    [["mcp:files"], /agent "helper" is granted "mcp:files", but no MCP server "files" is configured/],
    [["mcp:"], /MCP grants read "mcp:<server>" or "mcp:<server>\/<tool>"/],
  ])("refuses the grant %j at start-up, naming the agent and the tool", (tools, message) => {
    const file = write(
      "bad-tools.json",
      JSON.stringify([{ id: "helper", name: "H", systemPrompt: "x", tools }]),
    );
    expect(() => loadRoster(file)).toThrow(RosterError);
    expect(() => loadRoster(file)).toThrow(message);
  });

  it("grants the tools of a configured MCP server, all of them or one", () => {
    const file = write(
      "mcp-tools.json",
      JSON.stringify([{ id: "helper", name: "H", systemPrompt: "x", tools: ["mcp:files", "mcp:web/fetch"] }]),
    );
    const [agent] = loadRoster(file, { mcpServers: ["files", "web"] });
    expect(agent?.tools?.map((grant) => grant.name)).toEqual(["mcp:files", "mcp:web/fetch"]);
    expect(() => loadRoster(file, { mcpServers: ["files"] })).toThrow(
      /no MCP server "web".*configured: files/,
    );
  });

  it.each([0, 21, 2.5])("refuses maxSteps %s (1 to 20)", (maxSteps) => {
    const file = write("steps.json", JSON.stringify([{ id: "a", name: "A", systemPrompt: "x", maxSteps }]));
    expect(() => loadRoster(file)).toThrow(/agents\.0\.maxSteps/);
  });

  it("grants the demo's tools to a built-in agent", () => {
    const names = builtInAgents.flatMap((agent) => agent.tools?.map((grant) => grant.name) ?? []);
    expect(names).toEqual(expect.arrayContaining(["calculator", "current_time"]));
  });

  it("refuses duplicate ids, naming the file", () => {
    const file = write(
      "dup.json",
      JSON.stringify([1, 2].map(() => ({ id: "a", name: "A", systemPrompt: "x" }))),
    );
    expect(() => loadRoster(file)).toThrow(/dup\.json.*unique/);
  });

  it("refuses an agent without a prompt, saying where", () => {
    const file = write("bad.json", JSON.stringify({ agents: [{ id: "a", name: "A" }] }));
    expect(() => loadRoster(file)).toThrow(RosterError);
    expect(() => loadRoster(file)).toThrow(/agents\.0\.systemPrompt/);
  });

  it("refuses a missing file", () => {
    expect(() => loadRoster(join(dir, "nope.yaml"))).toThrow(/cannot read/);
  });
});

describe("Roster", () => {
  it("names unknown agent ids and defaults to the first agent", () => {
    const roster = new Roster(builtInAgents);
    expect(roster.unknown(["atlas", "ghost"])).toEqual(["ghost"]);
    expect(roster.defaultAgentIds).toEqual(["atlas"]);
    expect(roster.listPublic()[0]).not.toHaveProperty("systemPrompt");
    expect(roster.listPublic()[0]?.tools).toEqual(["calculator", "current_time", "ask_agent"]);
  });
});
