import pino from "pino";
import { describe, expect, it } from "vitest";
import { Run, type RunEvents } from "@/lib/agents/run";
import { type JournalStore, RunJournal } from "@/lib/agents/run-journal";
import type { InterruptedRun } from "@/lib/db/queries";
import type { AgentProcessingErrorEvent } from "@/lib/protocol";

const silent = pino({ level: "silent" });
const noEvents = new Proxy({}, { get: () => () => {} }) as RunEvents;

function newRun(messageId: string): Run {
  return new Run({
    conversationId: "c1",
    messageId,
    agentId: "atlas",
    agentName: "Atlas",
    expected: { length: 100, charsPerMs: 0.06 },
    coalesceMs: 0,
    events: noEvents,
  });
}

/** A store that records every call and can hold a write open to test overlap. */
function recordingStore(stale: InterruptedRun[] = []) {
  const calls: Array<[string, unknown]> = [];
  let hold: Promise<void> | null = null;
  const store: JournalStore = {
    async checkpointRuns(inputs) {
      for (const input of inputs) calls.push(["checkpoint", input]);
      await hold;
      return inputs.map((input) => input.id);
    },
    async touchRunsByIds(input) {
      calls.push(["touch", input.ids]);
    },
    async markRunsInterruptedByNode(input) {
      calls.push(["own", input.nodeId]);
      return stale;
    },
    async markUnfinishedRunsInterrupted() {
      calls.push(["all", null]);
      return stale;
    },
    async markStaleRunsInterrupted(input) {
      calls.push(["stale", input]);
      return stale;
    },
  };
  return {
    store,
    calls,
    holdWrites(): () => void {
      let release = () => {};
      hold = new Promise((resolve) => {
        release = resolve;
      });
      return release;
    },
  };
}

function journal(options: {
  store: JournalStore;
  runs: Run[];
  errors?: AgentProcessingErrorEvent[];
  singleNode?: boolean;
}) {
  let now = 1_000_000;
  const instance = new RunJournal({
    nodeId: "node-1",
    singleNode: options.singleNode ?? false,
    store: options.store,
    events: { error: (event) => options.errors?.push(event) },
    activeRuns: () => options.runs,
    checkpointMs: 100,
    heartbeatMs: 1_000,
    staleAfterMs: 5_000,
    logger: silent,
    now: () => now,
  });
  return { instance, advance: (ms: number) => (now += ms) };
}

describe("RunJournal", () => {
  it("checkpoints each streaming run once per new seq, never a queued or unchanged one", async () => {
    const { store, calls } = recordingStore();
    const queued = newRun("queued");
    const streaming = newRun("streaming");
    streaming.start("m");
    streaming.delta("Hello");
    streaming.delta(" there");
    const { instance, advance } = journal({ store, runs: [queued, streaming] });

    await instance.tick();
    advance(100);
    await instance.tick();
    streaming.delta("!");
    advance(100);
    await instance.tick();

    const checkpoints = calls.filter(([name]) => name === "checkpoint").map(([, input]) => input);
    expect(checkpoints).toEqual([
      { id: "streaming", text: "Hello there", parts: [{ type: "text", text: "Hello there" }], seq: 2 },
      { id: "streaming", text: "Hello there!", parts: [{ type: "text", text: "Hello there!" }], seq: 3 },
    ]);
  });

  it("keeps one write in flight: a tick during a slow write joins it instead of writing again", async () => {
    const { store, calls, holdWrites } = recordingStore();
    const run = newRun("slow");
    run.start("m");
    run.delta("a");
    const { instance } = journal({ store, runs: [run] });
    const release = holdWrites();
    const first = instance.tick();
    run.delta("b");
    const second = instance.tick();
    expect(second).toBe(first);
    release();
    await first;
    expect(calls.filter(([name]) => name === "checkpoint")).toHaveLength(1);
  });

  it("heartbeats the runs it did not just checkpoint and spares its own runs from the stale sweep", async () => {
    const { store, calls } = recordingStore();
    const queued = newRun("queued");
    const streaming = newRun("streaming");
    streaming.start("m");
    streaming.delta("x");
    const { instance, advance } = journal({ store, runs: [queued, streaming] });
    await instance.tick();
    expect(calls).toContainEqual(["touch", ["queued"]]);
    expect(calls).toContainEqual(["stale", { staleAfterMs: 5_000, exceptIds: ["queued", "streaming"] }]);

    calls.length = 0;
    advance(500);
    await instance.tick();
    expect(calls).toEqual([]);
    advance(500);
    await instance.tick();
    expect(calls.map(([name]) => name)).toEqual(["touch", "stale"]);
  });

  it("at start-up recovers its own node's runs among replicas, and every unfinished run when alone", async () => {
    const replica = recordingStore();
    await journal({ store: replica.store, runs: [] }).instance.recoverOwn();
    expect(replica.calls).toEqual([["own", "node-1"]]);
    const alone = recordingStore();
    await journal({ store: alone.store, runs: [], singleNode: true }).instance.recoverOwn();
    expect(alone.calls).toEqual([["all", null]]);
  });

  it("tells the viewers of every run it stores as interrupted, numbering after the stored seq", async () => {
    const rows = [{ id: "r1", conversationId: "c9", agentId: "quill", text: "Half an", parts: null, seq: 7 }];
    const errors: AgentProcessingErrorEvent[] = [];
    const { store } = recordingStore(rows);
    const { instance } = journal({ store, runs: [], errors });
    expect(await instance.recoverOwn()).toEqual(rows);
    await instance.tick();
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatchObject({
      conversationId: "c9",
      messageId: "r1",
      agentId: "quill",
      seq: 8,
      error: { code: "interrupted", retryable: true },
      partialText: "Half an",
      parts: [{ type: "text", text: "Half an" }],
    });
  });

  it("checkpoints the reasoning with the text, so a crash keeps it", async () => {
    const { store, calls } = recordingStore();
    const run = newRun("thinking");
    run.start("m");
    run.reasoning("Let me ");
    run.reasoning("think.");
    const { instance, advance } = journal({ store, runs: [run] });
    await instance.tick();
    run.delta("Answer");
    advance(100);
    await instance.tick();
    const checkpoints = calls.filter(([name]) => name === "checkpoint").map(([, input]) => input);
    expect(checkpoints).toEqual([
      { id: "thinking", text: "", parts: [{ type: "reasoning", text: "Let me think." }], seq: 2 },
      {
        id: "thinking",
        text: "Answer",
        parts: [
          { type: "reasoning", text: "Let me think." },
          { type: "text", text: "Answer" },
        ],
        seq: 3,
      },
    ]);
  });

  it("announces an interrupted run with its stored parts, reasoning included", async () => {
    const parts = [
      { type: "reasoning" as const, text: "Hmm" },
      { type: "text" as const, text: "Half" },
    ];
    const rows = [{ id: "r2", conversationId: "c9", agentId: "quill", text: "Half", parts, seq: 3 }];
    const errors: AgentProcessingErrorEvent[] = [];
    const { store } = recordingStore(rows);
    await journal({ store, runs: [], errors }).instance.recoverOwn();
    expect(errors[0]).toMatchObject({ seq: 4, partialText: "Half", parts });
  });

  it("survives a database that fails, and writes again once it answers", async () => {
    const { store, calls } = recordingStore();
    let failing = true;
    const flaky: JournalStore = {
      ...store,
      async checkpointRuns(inputs) {
        if (failing) throw new Error("connection refused");
        return store.checkpointRuns(inputs);
      },
    };
    const run = newRun("r");
    run.start("m");
    run.delta("text");
    const { instance } = journal({ store: flaky, runs: [run] });
    await instance.tick();
    expect(calls).toEqual([]);
    failing = false;
    await instance.tick();
    expect(calls[0]).toEqual([
      "checkpoint",
      { id: "r", text: "text", parts: [{ type: "text", text: "text" }], seq: 1 },
    ]);
  });
});
