import { describe, expect, it } from "vitest";
import { ALL_AGENTS, agentIdsFor, currentPickerValue, pickerValueFor } from "@/app/_components/agent-picker";
import type { PublicAgent } from "@/lib/agents/types";

const agent = (id: string, name: string): PublicAgent => ({ id, name, description: "", tools: [] });
const atlas = agent("atlas", "Atlas");
const quill = agent("quill", "Quill");
const sage = agent("sage", "Sage");
const agents = [atlas, quill, sage];

describe("the agent picker's value", () => {
  it("asks one agent by its id, the whole roster by *, and a set by ids joined with commas", () => {
    expect(agentIdsFor("quill", agents)).toEqual(["quill"]);
    expect(agentIdsFor(ALL_AGENTS, agents)).toEqual(["atlas", "quill", "sage"]);
    expect(agentIdsFor("atlas,sage", agents)).toEqual(["atlas", "sage"]);
  });

  it("lists the chosen agents in roster order, each once, without agents that are not in the roster", () => {
    expect(agentIdsFor("sage,atlas,sage", agents)).toEqual(["atlas", "sage"]);
    expect(agentIdsFor("gone,quill", agents)).toEqual(["quill"]);
    expect(agentIdsFor("gone", agents)).toBeNull();
    expect(agentIdsFor("", agents)).toBeNull();
    expect(agentIdsFor("atlas,quill", [sage])).toBeNull();
  });

  it("is written as one id, the joined ids in roster order, or * when every agent is chosen", () => {
    expect(pickerValueFor(["quill"], agents)).toBe("quill");
    expect(pickerValueFor(["sage", "atlas"], agents)).toBe("atlas,sage");
    expect(pickerValueFor(["sage", "quill", "atlas"], agents)).toBe(ALL_AGENTS);
    expect(pickerValueFor(["gone"], agents)).toBeNull();
    expect(pickerValueFor([], agents)).toBeNull();
    // A roster of one has no "All agents" option: its only agent is asked by id.
    expect(pickerValueFor(["sage"], [sage])).toBe("sage");
  });

  it("reads back as the agents it was written for", () => {
    for (const ids of [["atlas"], ["atlas", "quill"], ["quill", "sage"], ["atlas", "quill", "sage"]]) {
      expect(agentIdsFor(pickerValueFor(ids, agents) ?? "", agents)).toEqual(ids);
    }
  });

  it("shows without the agents that left the roster, and falls back to the first agent when none is left", () => {
    expect(currentPickerValue("atlas,gone,sage", agents)).toBe("atlas,sage");
    expect(currentPickerValue("gone,quill", agents)).toBe("quill");
    expect(currentPickerValue("sage,quill,atlas", agents)).toBe(ALL_AGENTS);
    expect(currentPickerValue("atlas,quill", [atlas, quill])).toBe(ALL_AGENTS);
    expect(currentPickerValue("gone", agents)).toBe("atlas");
    expect(currentPickerValue("gone", [])).toBe("");
  });
});
