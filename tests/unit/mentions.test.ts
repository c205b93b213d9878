import { describe, expect, it } from "vitest";
import { mentionAt, mentionedAgentIds } from "@/lib/agents/mentions";

const agents = [
  { id: "atlas", name: "Atlas" },
  { id: "quill", name: "Quill" },
  { id: "atlas-prime", name: "Atlas Prime" },
];

describe("@mentions", () => {
  it("names the agents in the order they are first mentioned, each once, by name or id, in any case", () => {
    expect(mentionedAgentIds("@quill then @Atlas, and @QUILL again", agents)).toEqual(["quill", "atlas"]);
    expect(mentionedAgentIds("(@atlas-prime) please", agents)).toEqual(["atlas-prime"]);
    expect(mentionedAgentIds("@Atlas Prime, what now?", agents)).toEqual(["atlas-prime"]);
    expect(mentionedAgentIds('"@Quill" said so', agents)).toEqual(["quill"]);
  });

  it("names nobody inside a word, an address or a longer name, or without an @", () => {
    expect(mentionedAgentIds("mail me at me@atlas.org", agents)).toEqual([]);
    expect(mentionedAgentIds("@Atlassian is not an agent", agents)).toEqual([]);
    expect(mentionedAgentIds("Quill and Atlas", agents)).toEqual([]);
    expect(mentionedAgentIds("@Quill_x", agents)).toEqual([]);
  });

  it("finds the mention being typed at the caret", () => {
    expect(mentionAt("ask @Qu", 7)).toEqual({ start: 4, query: "Qu" });
    expect(mentionAt("@", 1)).toEqual({ start: 0, query: "" });
    expect(mentionAt("ask @Quill now", 14)).toBeNull();
    expect(mentionAt("me@atl", 6)).toBeNull();
    expect(mentionAt("ask @Qu and more", 7)).toEqual({ start: 4, query: "Qu" });
  });
});
