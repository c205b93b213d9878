import { describe, expect, it } from "vitest";
import { createDemoClient, DEMO_LABEL } from "../../lib/llm/demo-model";
import { composeDemoAnswer, quoteOf, splitIntoWords } from "../../lib/llm/demo-text";
import type { StreamRequest } from "../../lib/llm/types";

const fast = { initialDelayMs: 0, wordDelayMs: 1 };

function request(text: string, overrides: Partial<StreamRequest> = {}) {
  const deltas: string[] = [];
  const controller = new AbortController();
  const req: StreamRequest = {
    modelId: "demo",
    system: "You are helpful.",
    messages: [
      { role: "user", content: "earlier question" },
      { role: "assistant", content: "earlier answer" },
      { role: "user", content: text },
    ],
    abortSignal: controller.signal,
    onDelta: (delta) => deltas.push(delta),
    ...overrides,
  };
  return { req, deltas, controller };
}

describe("demo client", () => {
  it("describes itself as the offline demo with one model", async () => {
    const client = createDemoClient({ pace: fast });
    expect(client.kind).toBe("demo");
    expect(client.label).toBe("Demo model (offline)");
    expect(DEMO_LABEL).toBe(client.label);
    expect(await client.listModels()).toEqual([{ id: "demo", ownedBy: "switchboard" }]);
    expect(await client.defaultModel()).toBe("demo");
    expect((await client.health()).ok).toBe(true);
  });

  it("streams many word deltas whose concatenation is the answer", async () => {
    const { req, deltas } = request("How do I deploy this on Kubernetes?");
    const result = await createDemoClient({ pace: fast }).stream(req);
    expect(deltas.length).toBeGreaterThan(50);
    expect(deltas.every((delta) => delta.length > 0)).toBe(true);
    expect(deltas.join("")).toBe(result.text);
    expect(result).toMatchObject({ finishReason: "stop", simulated: false });
    expect(result.usage.outputTokens).toBe(deltas.length);
    expect(result.firstTokenMs).not.toBeNull();
  });

  it("says it is the offline demo, quotes the last user message and shows Markdown", async () => {
    const { req } = request("How do I deploy this on Kubernetes?");
    const { text } = await createDemoClient({ pace: fast }).stream(req);
    expect(text).toContain("offline demo model");
    expect(text).toContain("> How do I deploy this on Kubernetes?");
    expect(text).not.toContain("earlier question");
    expect(text).toMatch(/^- /m);
    expect(text).toMatch(/```ts\n[\s\S]+\n```/);
  });

  it("answers the same input with the same text", async () => {
    const client = createDemoClient({ pace: fast });
    const first = await client.stream(request("same words").req);
    const second = await client.stream(request("same words").req);
    const other = await client.stream(request("different words entirely").req);
    expect(second.text).toBe(first.text);
    expect(other.text).not.toBe(first.text);
  });

  it("streams at a readable pace by default", async () => {
    const { req, deltas, controller } = request("pace check");
    setTimeout(() => controller.abort(), 700);
    const result = await createDemoClient().stream(req);
    expect(result.finishReason).toBe("cancelled");
    // ~400 ms before the first word, then ~32 ms per word
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.length).toBeLessThan(20);
  });

  it("stops at once on abort and resolves cancelled with the text so far", async () => {
    const { req, deltas, controller } = request("please stop", {
      onDelta: (delta) => {
        deltas.push(delta);
        if (deltas.length === 5) controller.abort();
      },
    });
    const result = await createDemoClient({ pace: { initialDelayMs: 0, wordDelayMs: 20 } }).stream(req);
    expect(result.finishReason).toBe("cancelled");
    expect(deltas).toHaveLength(5);
    expect(result.text).toBe(deltas.join(""));
  });
});

describe("demo text", () => {
  it("splits text into word deltas that join back exactly", () => {
    const text = composeDemoAnswer("a\n\nb  c");
    expect(splitIntoWords(text).join("")).toBe(text);
    expect(splitIntoWords("  lead and trail  ").join("")).toBe("  lead and trail  ");
    expect(splitIntoWords("")).toEqual([]);
  });

  it("quotes a long or multi-line message on one shortened line without backticks", () => {
    const quote = quoteOf(`first line\nsecond \`code\` ${"x".repeat(200)}`);
    expect(quote).not.toContain("\n");
    expect(quote).not.toContain("`");
    expect(quote.length).toBeLessThanOrEqual(80);
    expect(quote.endsWith("…")).toBe(true);
    expect(quoteOf("   ")).toBe("(an empty message)");
  });
});
