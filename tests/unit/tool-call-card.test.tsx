import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { segmentsOf } from "@/app/_components/message-parts";
import { ToolCallCard } from "@/app/_components/tool-call-card";
import { type AssistantEntry, newRun } from "@/lib/client/run";
import type { MessagePart } from "@/lib/protocol";
import type { ToolPart } from "@/lib/protocol/parts";
import { HOSTILE_ANSWER, HOSTILE_MARKERS } from "../fixtures/hostile-answer";

const call = (fields: Partial<ToolPart> = {}): ToolPart => ({
  type: "tool",
  toolCallId: "call-1",
  toolName: "calculator",
  state: "output-available",
  input: { expression: "6*7" },
  output: "42",
  ...fields,
});
const render = (part: ToolPart, running = false) =>
  renderToStaticMarkup(<ToolCallCard part={part} running={running} messageId="m-1" agentName="Atlas" />);

describe("a tool call's card", () => {
  it("names the tool, shows its arguments as JSON and its result", () => {
    const html = render(call());
    expect(html).toContain('data-testid="tool-call"');
    expect(html).toContain('data-tool-name="calculator"');
    expect(html).toContain('data-state="output-available"');
    expect(html).toContain(">Calculator<");
    expect(html).toContain("{\n  &quot;expression&quot;: &quot;6*7&quot;\n}");
    expect(html).toMatch(/data-testid="tool-output"[^>]*>42</);
  });

  it("shows the arguments as they stream, then a spinner while the tool runs", () => {
    const streaming = render(call({ state: "input-streaming", input: '{"expres', output: undefined }), true);
    expect(streaming).toMatch(/data-testid="tool-input"[^>]*>\{&quot;expres</);
    const running = render(call({ state: "input-available", output: undefined }), true);
    expect(running).toContain("Running calculator…");
    expect(running).toContain("animate-spin");
    expect(running).not.toContain('data-testid="tool-output"');
    // A run that ended before the call did shows no spinner: the call was stopped, or never made.
    const stopped = render(call({ state: "input-available", output: undefined }));
    expect(stopped).not.toContain("animate-spin");
    expect(stopped).toContain("Stopped");
    expect(render(call({ state: "input-streaming", input: '{"ex', output: undefined }))).toContain("Not run");
  });

  it("shows an error in place of a result", () => {
    const html = render(call({ state: "output-error", output: undefined, errorText: "Division by zero" }));
    expect(html).toMatch(/data-testid="tool-error"[^>]*>Division by zero</);
    expect(html).not.toContain('data-testid="tool-output"');
  });

  it("renders a hostile result and hostile arguments as text only", () => {
    const html = render(call({ input: { expression: HOSTILE_ANSWER }, output: HOSTILE_ANSWER.repeat(3) }));
    for (const marker of HOSTILE_MARKERS) expect(html, String(marker)).not.toMatch(marker);
    expect(html).toContain("&lt;script&gt;window.__pwned = &#x27;script&#x27;&lt;/script&gt;");
  });

  it("folds a long result behind a Show all toggle", () => {
    const long = Array.from({ length: 40 }, (_, i) => `line ${i}`).join("\n");
    const html = render(call({ output: long }));
    expect(html).toContain('data-folded="true"');
    expect(html).toContain(">Show all<");
    expect(html).toContain("line 7");
    expect(html).not.toContain("line 8");
    expect(render(call())).not.toContain("Show all");
  });

  it("names the built-in tools kindly and others as they are", () => {
    expect(render(call({ toolName: "current_time" }))).toContain(">Current time<");
    expect(render(call({ toolName: "search_conversations" }))).toContain(">Search conversations<");
    expect(render(call({ toolName: "get_weather" }))).toContain(">get_weather<");
  });
});

describe("an answer's parts on screen", () => {
  const parts: MessagePart[] = [
    { type: "reasoning", text: "Multiply." },
    { type: "text", text: "Let me compute. " },
    call(),
    { type: "text", text: "The answer is 42." },
  ];
  const entry: AssistantEntry = {
    ...newRun({ id: "a", agentId: "scout", agentName: "Scout" }),
    phase: "complete",
    parts,
    text: "Let me compute. The answer is 42.",
  };

  it("interleaves reasoning, tool calls and text in order, the last text being the answer", () => {
    expect(segmentsOf(entry, entry.text.length, true).map((s) => [s.kind, s.index])).toEqual([
      ["reasoning", 0],
      ["text", 1],
      ["tool", 2],
      ["text", 3],
    ]);
    const texts = segmentsOf(entry, entry.text.length, true).filter((s) => s.kind === "text");
    expect(texts.map((s) => s.kind === "text" && s.answer)).toEqual([false, true]);
    expect(segmentsOf(entry, entry.text.length, false).map((s) => s.kind)).toEqual(["text", "tool", "text"]);
  });

  it("shows nothing after text the typewriter has not typed yet", () => {
    const typing = segmentsOf(entry, 5, true);
    expect(typing).toEqual([
      expect.objectContaining({ kind: "reasoning" }),
      expect.objectContaining({ kind: "text", text: "Let m", answer: false }),
    ]);
    const further = segmentsOf(entry, "Let me compute. The".length, true);
    expect(further.at(-1)).toEqual(expect.objectContaining({ kind: "text", text: "The", answer: true }));
  });
});
