import { afterEach, describe, expect, it, vi } from "vitest";
import { Run, type RunEvents } from "@/lib/agents/run";

type Recorded = { type: keyof RunEvents; event: Record<string, unknown> & { seq?: number } };

function recorder() {
  const events: Recorded[] = [];
  const sink = Object.fromEntries(
    (["started", "update", "reasoning", "tool", "complete", "error", "status", "message"] as const).map(
      (type) => [type, (event: Record<string, unknown>) => events.push({ type, event })],
    ),
  ) as unknown as RunEvents;
  return { events, sink };
}

function newRun(coalesceMs = 0) {
  const { events, sink } = recorder();
  const run = new Run({
    conversationId: "c1",
    messageId: "m1",
    agentId: "atlas",
    agentName: "Atlas",
    expected: { length: 20, charsPerMs: 0.06 },
    coalesceMs,
    events: sink,
  });
  return { run, events };
}

afterEach(() => vi.useRealTimers());

describe("Run", () => {
  it("numbers events 0, 1, 2… without gaps and ends with exactly one terminal event", () => {
    const { run, events } = newRun();
    run.start("fake-model");
    for (const delta of ["Hel", "lo", " world"]) run.delta(delta);
    run.complete({ text: "Hello world", finishReason: "stop", usage: {} });
    run.complete({ text: "again", finishReason: "stop", usage: {} });
    run.fail({ code: "x", message: "late", retryable: false });
    expect(events.map((e) => [e.type, e.event.seq])).toEqual([
      ["started", 0],
      ["update", 1],
      ["update", 2],
      ["update", 3],
      ["complete", 4],
    ]);
    expect(events.at(-1)?.event.text).toBe("Hello world");
  });

  it("sends one update per delta whose concatenation is the final text", () => {
    const { run, events } = newRun();
    run.start("m");
    const deltas = ["a", "bc", "", "def"];
    for (const delta of deltas) run.delta(delta);
    run.complete({ text: "", finishReason: "stop", usage: {} });
    const updates = events.filter((e) => e.type === "update").map((e) => e.event.delta);
    expect(updates).toEqual(["a", "bc", "def"]);
    expect(events.at(-1)?.event.text).toBe("abcdef");
  });

  it("keeps progress below 1, never decreasing, while streaming", () => {
    const { run, events } = newRun();
    run.start("m");
    for (let i = 0; i < 60; i += 1) run.delta("word ");
    const progress = events.filter((e) => e.type === "update").map((e) => e.event.progress as number);
    expect(progress.every((p) => p >= 0 && p < 1)).toBe(true);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBeGreaterThan(0.9);
  });

  it("gives a snapshot holding exactly what was broadcast", () => {
    const { run } = newRun();
    run.start("m");
    run.delta("one ");
    run.delta("two");
    expect(run.snapshot()).toEqual({
      messageId: "m1",
      agentId: "atlas",
      seq: 2,
      text: "one two",
      parts: [{ type: "text", text: "one two" }],
    });
  });

  it("merges deltas arriving within the coalescing window and flushes them before the terminal event", () => {
    vi.useFakeTimers();
    const { run, events } = newRun(50);
    run.start("m");
    run.delta("a");
    run.delta("b");
    vi.advanceTimersByTime(60);
    run.delta("c");
    run.fail({ code: "stalled", message: "stalled", retryable: true });
    expect(events.map((e) => [e.type, e.event.seq, e.event.delta ?? e.event.partialText])).toEqual([
      ["started", 0, undefined],
      ["update", 1, "ab"],
      ["update", 2, "c"],
      ["error", 3, "abc"],
    ]);
    expect(events[1]?.event.tokenCount).toBe(2);
  });

  it("reports the abort reason it was stopped with", () => {
    const { run } = newRun();
    run.abort("shutdown");
    run.abort("cancelled");
    expect(run.signal.aborted).toBe(true);
    expect(run.abortReason).toBe("shutdown");
  });

  describe("with reasoning", () => {
    it("numbers reasoning and text events in one sequence, the terminal event next", () => {
      const { run, events } = newRun();
      run.start("m");
      run.reasoning("Hmm, ");
      run.reasoning("let me see.");
      run.delta("Four");
      run.reasoning("Check.");
      run.delta(".");
      run.complete({ text: "Four.", finishReason: "stop", usage: {} });
      expect(events.map((e) => [e.type, e.event.seq])).toEqual([
        ["started", 0],
        ["reasoning", 1],
        ["reasoning", 2],
        ["update", 3],
        ["reasoning", 4],
        ["update", 5],
        ["complete", 6],
      ]);
    });

    it("builds parts in order of appearance and keeps reasoning out of the text", () => {
      const { run, events } = newRun();
      run.start("m");
      run.reasoning("a");
      run.reasoning("b");
      run.delta("X");
      run.delta("Y");
      run.reasoning("c");
      run.delta("Z");
      run.complete({ text: "XYZ", finishReason: "stop", usage: {} });
      const complete = events.at(-1)?.event;
      expect(complete?.text).toBe("XYZ");
      expect(complete?.parts).toEqual([
        { type: "reasoning", text: "ab" },
        { type: "text", text: "XY" },
        { type: "reasoning", text: "c" },
        { type: "text", text: "Z" },
      ]);
      const updates = events.filter((e) => e.type === "update").map((e) => e.event.delta);
      expect(updates.join("")).toBe("XYZ");
      expect(run.parts).toEqual(complete?.parts);
    });

    it("gives a snapshot with the parts so far, which later events extend to the final parts", () => {
      const { run, events } = newRun();
      run.start("m");
      run.reasoning("think ");
      const snapshot = run.snapshot();
      expect(snapshot).toEqual({
        messageId: "m1",
        agentId: "atlas",
        seq: 1,
        text: "",
        parts: [{ type: "reasoning", text: "think " }],
      });
      run.reasoning("more");
      run.delta("Done");
      run.fail({ code: "stalled", message: "stalled", retryable: true });
      expect(snapshot.parts).toEqual([{ type: "reasoning", text: "think " }]);
      const error = events.at(-1)?.event;
      expect(error?.parts).toEqual([
        { type: "reasoning", text: "think more" },
        { type: "text", text: "Done" },
      ]);
      expect(error?.partialText).toBe("Done");
    });

    it("flushes text waiting in the coalescing window before a reasoning event", () => {
      vi.useFakeTimers();
      const { run, events } = newRun(50);
      run.start("m");
      run.delta("a");
      run.delta("b");
      run.reasoning("r");
      run.delta("c");
      expect(run.parts).toEqual([
        { type: "text", text: "ab" },
        { type: "reasoning", text: "r" },
        { type: "text", text: "c" },
      ]);
      vi.advanceTimersByTime(60);
      expect(events.map((e) => [e.type, e.event.seq, e.event.delta])).toEqual([
        ["started", 0, undefined],
        ["update", 1, "ab"],
        ["reasoning", 2, "r"],
        ["update", 3, "c"],
      ]);
    });

    it("moves progress through a long reasoning phase without going back when the answer starts", () => {
      const { run, events } = newRun();
      run.start("m");
      for (let i = 0; i < 4; i += 1) run.reasoning("abc ");
      for (let i = 0; i < 4; i += 1) run.delta("xy");
      const progress = events
        .filter((e) => e.type === "reasoning" || e.type === "update")
        .map((e) => e.event.progress as number);
      expect(progress[0]).toBeGreaterThan(0);
      expect(progress.every((p) => p >= 0 && p < 1)).toBe(true);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
      expect(new Set(progress.slice(0, 4)).size).toBe(4);
      expect(run.streamedLength).toBe(24);
    });

    it("ignores empty reasoning and reasoning after the end", () => {
      const { run, events } = newRun();
      run.start("m");
      run.reasoning("");
      run.complete({ text: "", finishReason: "stop", usage: {} });
      run.reasoning("late");
      expect(events.map((e) => e.type)).toEqual(["started", "complete"]);
    });
  });
});

describe("Run tool calls", () => {
  const call = { toolCallId: "call-1", toolName: "calculator" } as const;

  it("sends one event per tool change in the run's one seq, text waiting in the window first", () => {
    vi.useFakeTimers();
    const { run, events } = newRun(50);
    run.start("m");
    run.reasoning("Need math.");
    run.delta("Let me ");
    run.tool({ ...call, state: "input-streaming", inputDelta: '{"expression":' });
    run.tool({ ...call, state: "input-streaming", inputDelta: '"6*7"}' });
    run.tool({ ...call, state: "input-available", input: { expression: "6*7" } });
    run.tool({ ...call, state: "output-available", input: { expression: "6*7" }, output: "42" });
    run.delta("It is 42.");
    run.complete({ text: "", finishReason: "stop", usage: {} });
    expect(events.map((e) => [e.type, e.event.seq])).toEqual([
      ["started", 0],
      ["reasoning", 1],
      ["update", 2],
      ["tool", 3],
      ["tool", 4],
      ["tool", 5],
      ["tool", 6],
      ["update", 7],
      ["complete", 8],
    ]);
    const tools = events.filter((e) => e.type === "tool").map((e) => e.event);
    expect(tools.map((e) => e.state)).toEqual([
      "input-streaming",
      "input-streaming",
      "input-available",
      "output-available",
    ]);
    expect(tools[0]).toMatchObject({ ...call, inputDelta: '{"expression":' });
    expect(tools[0]).not.toHaveProperty("output");
    expect(tools[3]).toMatchObject({ output: "42" });
    for (const event of tools) expect(event.progress).toBeLessThan(1);
    expect(events.at(-1)?.event.parts).toEqual([
      { type: "reasoning", text: "Need math." },
      { type: "text", text: "Let me " },
      { type: "tool", ...call, state: "output-available", input: { expression: "6*7" }, output: "42" },
      { type: "text", text: "It is 42." },
    ]);
  });

  it("keeps one part per call, updated in place, with the input text so far while it streams", () => {
    const { run } = newRun();
    run.start("m");
    run.tool({ ...call, state: "input-streaming", inputDelta: '{"expr' });
    run.tool({ toolCallId: "call-2", toolName: "current_time", state: "input-available", input: {} });
    run.tool({ ...call, state: "input-streaming", inputDelta: 'ession":"1/0"}' });
    const midway = run.snapshot();
    expect(midway.seq).toBe(3);
    expect(midway.parts).toEqual([
      { type: "tool", ...call, state: "input-streaming", input: '{"expression":"1/0"}' },
      { type: "tool", toolCallId: "call-2", toolName: "current_time", state: "input-available", input: {} },
    ]);
    run.tool({ ...call, state: "output-error", input: { expression: "1/0" }, errorText: "boom" });
    expect(run.parts[0]).toEqual({
      type: "tool",
      ...call,
      state: "output-error",
      input: { expression: "1/0" },
      errorText: "boom",
    });
    // The snapshot taken before is a copy: later changes do not reach it.
    expect(midway.parts[0]).toMatchObject({ state: "input-streaming" });
  });

  it("carries the tool parts in the error event and sends nothing after the end", () => {
    const { run, events } = newRun();
    run.start("m");
    run.tool({ ...call, state: "input-available", input: { expression: "1" } });
    run.fail({ code: "stalled", message: "x", retryable: true });
    run.tool({ ...call, state: "output-available", output: "1" });
    expect(events.map((e) => e.type)).toEqual(["started", "tool", "error"]);
    expect(events.at(-1)?.event.parts).toEqual([
      { type: "tool", ...call, state: "input-available", input: { expression: "1" } },
    ]);
  });
});
