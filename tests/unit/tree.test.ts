import { describe, expect, it } from "vitest";
import { activePath, leafUnder, shownMessages, siblingsOf, type TreeMessage } from "@/lib/protocol/tree";

const node = (id: string, parentId: string | null, parentMessageId?: string): TreeMessage => ({
  id,
  parentId,
  ...(parentMessageId && { parentMessageId }),
});

// q1 ─ a1 ─ q2 ─ a2
//    └ a1' (regenerated)
// q1' (edited) ─ b1, and n1 asked for inside a1 (ask_agent)
const tree = [
  node("q1", null),
  node("a1", "q1"),
  node("n1", null, "a1"),
  node("q2", "a1"),
  node("a2", "q2"),
  node("a1'", "q1"),
  node("q1'", null),
  node("b1", "q1'"),
];
const ids = (messages: TreeMessage[]) => messages.map((message) => message.id);

describe("the conversation tree", () => {
  it("walks the active path from the root to the leaf, with what was written below the leaf since", () => {
    expect(ids(activePath(tree, "a2"))).toEqual(["q1", "a1", "q2", "a2"]);
    expect(ids(activePath(tree, "a1'"))).toEqual(["q1", "a1'"]);
    // A leaf with children goes on down through the latest of them.
    expect(ids(activePath(tree, "a1"))).toEqual(["q1", "a1", "q2", "a2"]);
    expect(ids(activePath(tree, "q1"))).toEqual(["q1", "a1'"]);
  });

  it("falls back to the latest root's branch when the leaf is not known", () => {
    expect(ids(activePath(tree, null))).toEqual(["q1'", "b1"]);
    expect(ids(activePath(tree, "gone"))).toEqual(["q1'", "b1"]);
    expect(activePath([], null)).toEqual([]);
  });

  it("shows the answers asked for inside a shown answer, and nothing of the other branches", () => {
    expect(ids(shownMessages(tree, "a2"))).toEqual(["q1", "a1", "n1", "q2", "a2"]);
    expect(ids(shownMessages(tree, "a1'"))).toEqual(["q1", "a1'"]);
  });

  it("leaves out messages not placed yet, and survives a cycle", () => {
    const unplaced: TreeMessage = { id: "x", parentId: undefined };
    const pending: TreeMessage = { id: null, parentId: "a2" };
    expect(ids(activePath([...tree, unplaced, pending], "a2"))).toEqual(["q1", "a1", "q2", "a2"]);
    const loop = [node("p", "q"), node("q", "p")];
    expect(ids(activePath(loop, "p")).sort()).toEqual(["p", "q"]);
    expect(leafUnder(loop, "p")).toBe("q");
  });

  it("finds a branch's leaf down through the latest children, and a node's siblings in order", () => {
    expect(leafUnder(tree, "q1")).toBe("a1'");
    expect(leafUnder(tree, "a1")).toBe("a2");
    expect(leafUnder(tree, "b1")).toBe("b1");
    expect(ids(siblingsOf(tree, tree[1] as TreeMessage))).toEqual(["a1", "a1'"]);
    expect(ids(siblingsOf(tree, tree[0] as TreeMessage))).toEqual(["q1", "q1'"]);
    expect(ids(siblingsOf(tree, tree[2] as TreeMessage))).toEqual(["n1"]);
  });
});
