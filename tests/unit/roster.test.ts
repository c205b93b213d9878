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
  });
});
