import type { LanguageModelV4StreamPart } from "@ai-sdk/provider";
import { extractReasoningMiddleware, simulateReadableStream, wrapLanguageModel } from "ai";
import { MockLanguageModelV4 } from "ai/test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createThinkSplitter } from "@/lib/llm/think-tags";

type Piece = { kind: "text" | "reasoning"; delta: string };

function split(deltas: string[]): Piece[] {
  const told: Piece[] = [];
  const splitter = createThinkSplitter({
    text: (delta) => told.push({ kind: "text", delta }),
    reasoning: (delta) => told.push({ kind: "reasoning", delta }),
  });
  for (const delta of deltas) splitter.text(delta);
  splitter.flush();
  return told;
}

/** What the AI SDK's extractReasoningMiddleware makes of the same deltas: the reference. */
async function reference(deltas: string[]): Promise<Piece[]> {
  const chunks: LanguageModelV4StreamPart[] = [
    { type: "text-start", id: "t" },
    ...deltas.map((delta): LanguageModelV4StreamPart => ({ type: "text-delta", id: "t", delta })),
    { type: "text-end", id: "t" },
  ];
  const model = wrapLanguageModel({
    model: new MockLanguageModelV4({
      doStream: async () => ({ stream: simulateReadableStream({ chunks }) }),
    }),
    middleware: extractReasoningMiddleware({ tagName: "think" }),
  });
  const { stream } = await model.doStream({ prompt: [] });
  const told: Piece[] = [];
  for await (const part of stream as unknown as AsyncIterable<LanguageModelV4StreamPart>) {
    if (part.type === "text-delta") told.push({ kind: "text", delta: part.delta });
    if (part.type === "reasoning-delta") told.push({ kind: "reasoning", delta: part.delta });
  }
  return told;
}

/** Consecutive pieces of one kind joined: how they add up, whatever the cuts. */
const joined = (pieces: Piece[]) =>
  pieces.reduce<Piece[]>((all, piece) => {
    const last = all.at(-1);
    if (last?.kind === piece.kind) last.delta += piece.delta;
    else all.push({ ...piece });
    return all;
  }, []);

describe("the <think> splitter", () => {
  it("sends reasoning inside the tags and the answer outside, a tag cut across deltas included", () => {
    expect(joined(split(["<thi", "nk>Let me see", ".</th", "ink>\n\nThe answer ", "is 4."]))).toEqual([
      { kind: "reasoning", delta: "Let me see." },
      { kind: "text", delta: "\n\nThe answer is 4." },
    ]);
  });

  it("passes a delta with no tag straight through, and a '<' that starts no tag as text", () => {
    expect(split(["a < b", " and <", "b> c"])).toEqual([
      { kind: "text", delta: "a < b" },
      { kind: "text", delta: " and " },
      { kind: "text", delta: "<b> c" },
    ]);
  });

  it("publishes a tag prefix held back at the end as text", () => {
    expect(joined(split(["The end <thi"]))).toEqual([{ kind: "text", delta: "The end <thi" }]);
  });

  it("matches the AI SDK's extractReasoningMiddleware for any text and any cuts", async () => {
    const word = fc.constantFrom("<think>", "</think>", "<", "think", ">", "a", "b c", "\n", "</", "<th");
    await fc.assert(
      fc.asyncProperty(
        fc.array(word, { maxLength: 14 }).chain((words) => {
          const text = words.join("");
          return fc
            .uniqueArray(fc.integer({ min: 1, max: Math.max(1, text.length - 1) }), { maxLength: 6 })
            .map((cuts) => {
              const sorted = [
                0,
                ...cuts.filter((cut) => cut < text.length).sort((a, b) => a - b),
                text.length,
              ];
              return sorted
                .slice(1)
                .map((end, i) => text.slice(sorted[i], end))
                .filter(Boolean);
            });
        }),
        async (deltas) => {
          expect(joined(split(deltas))).toEqual(joined(await reference(deltas)));
        },
      ),
      { numRuns: 300 },
    );
  });
});
