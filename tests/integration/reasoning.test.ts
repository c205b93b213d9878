import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { builtInAgents } from "@/lib/agents/roster";
import type { AgentProcessingCompleteEvent, MessagePart } from "@/lib/protocol";
import type { FakeGateway } from "../fixtures/fake-gateway";
import type { ReasoningField } from "../fixtures/fake-gateway-responses";
import {
  expectOk,
  fetchConversation,
  followingSockets,
  newSession,
  type ReceivedEvent,
  request,
  streamedText,
} from "../helpers/client";
import { type GatewayServer, startServerWithGateway } from "../helpers/gateway-server";
import { rebuild, sequenced } from "../helpers/parts-replay";
import { type ServerProcess, startServerProcess } from "../helpers/server-process";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const REASONING = ["The user", " asks", " for", " two", " plus", " two;", " that", " is", " four."];
const ANSWER = ["Two", " plus", " two", " is", " four."];

let gateway: FakeGateway;
let server: ServerProcess;
const following = followingSockets();

let running: GatewayServer;

beforeAll(async () => {
  const thinker = { id: "thinker", name: "Thinker", systemPrompt: "Think hard.", reasoningEffort: "high" };
  running = await startServerWithGateway({
    agents: [...builtInAgents, thinker],
    env: { LLM_CHUNK_TIMEOUT_MS: "5000" },
  });
  ({ gateway, server } = running);
});
afterAll(async () => {
  await running?.stop();
});
afterEach(() => {
  expect(following.closeAll()).toEqual([]);
  gateway.reset();
});

const follow = (target: ServerProcess, cookie: string) => following.follow(target.url, cookie);

const reasoningOf = (events: ReceivedEvent[]) =>
  events.filter((e) => e.name === "agent_processing_reasoning").map((e) => e.payload.delta as string);

const expectedParts: MessagePart[] = [
  { type: "reasoning", text: REASONING.join("") },
  { type: "text", text: ANSWER.join("") },
];

describe.each<ReasoningField>(["reasoning_content", "reasoning", "think"])(
  "reasoning streamed as %s",
  (reasoningField) => {
    it("arrives before the answer in one seq, stays out of the text, and gives the same parts everywhere", async () => {
      gateway.enqueue({ reasoning: REASONING, reasoningField, tokens: ANSWER, tokenDelayMs: 40 });
      const { cookie } = await newSession(server.url);
      const owner = await follow(server, cookie);
      const ack = expectOk(
        await request(owner.socket, "send_message", { text: "2+2?", clientMessageId: `r-${reasoningField}` }),
      );
      const messageId = ack.runs[0]?.messageId ?? "";

      // A second viewer joins while the model is still reasoning.
      await owner.events.waitFor(() => reasoningOf(owner.events.forMessage(messageId)).length >= 2);
      const joiner = await follow(server, cookie);
      const joined = expectOk(
        await request(joiner.socket, "join_conversation", { conversationId: ack.conversationId }),
      );
      const snapshot = joined.inProgress.find((run) => run.messageId === messageId);
      expect(snapshot).toBeDefined();
      if (!snapshot) return;
      expect(snapshot.parts.every((part) => part.type === "reasoning")).toBe(true);
      expect(snapshot.text).toBe("");

      const terminal = (await owner.events.terminalOf(messageId)) as AgentProcessingCompleteEvent;
      await joiner.events.terminalOf(messageId);
      const run = owner.events.forMessage(messageId);
      const ordered = sequenced(run);
      expect(ordered[0]?.name).toBe("agent_processing_started");
      expect(ordered.map((e) => e.payload.seq)).toEqual(ordered.map((_, index) => index));
      expect(ordered.at(-1)?.name).toBe("agent_processing_complete");
      const firstUpdate = run.findIndex((e) => e.name === "agent_processing_update");
      const lastReasoning = run.findLastIndex((e) => e.name === "agent_processing_reasoning");
      expect(lastReasoning).toBeGreaterThan(0);
      expect(lastReasoning).toBeLessThan(firstUpdate);

      expect(reasoningOf(run).join("")).toBe(REASONING.join(""));
      expect(streamedText(run)).toBe(ANSWER.join(""));
      expect(terminal.text).toBe(ANSWER.join(""));
      expect(terminal.text).not.toContain("<think>");
      expect(terminal.parts).toEqual(expectedParts);

      const stored = await fetchConversation(server.url, cookie, ack.conversationId);
      expect(stored.messages[1]).toMatchObject({ status: "complete", text: ANSWER.join("") });
      expect(stored.messages[1]?.parts).toEqual(expectedParts);
      expect(rebuild(snapshot, joiner.events.forMessage(messageId))).toEqual(expectedParts);

      // The next turn sends the answer upstream, never the reasoning.
      const next = expectOk(
        await request(owner.socket, "send_message", {
          conversationId: ack.conversationId,
          text: "And 3+3?",
          clientMessageId: `r-${reasoningField}-next`,
        }),
      );
      await owner.events.terminalOf(next.runs[0]?.messageId ?? "");
      const history = gateway.requests[1]?.body.messages as Array<{ role: string; content: unknown }>;
      expect(history.filter((turn) => turn.role !== "system")).toEqual([
        { role: "user", content: "2+2?" },
        { role: "assistant", content: ANSWER.join("") },
        { role: "user", content: "And 3+3?" },
      ]);
    });
  },
);

describe("an agent's reasoning effort", () => {
  it("goes upstream as reasoning_effort, and only for the agent that sets it", async () => {
    gateway.setDefault({ reasoning: ["Hm."], tokens: ["Ok."] });
    const { cookie } = await newSession(server.url);
    const { socket, events } = await follow(server, cookie);
    const ack = expectOk(
      await request(socket, "send_message", {
        text: "Go",
        clientMessageId: "r-effort",
        agentIds: ["thinker", builtInAgents[0]?.id ?? ""],
      }),
    );
    for (const run of ack.runs) await events.terminalOf(run.messageId);
    expect(gateway.requests.map((sent) => sent.body.reasoning_effort)).toEqual(["high", undefined]);
  });
});

describe("reasoning cut short", () => {
  it("cancel during reasoning closes the upstream within 500 ms and keeps the reasoning", async () => {
    const reasoning = Array.from({ length: 200 }, (_, i) => ` step${i}`);
    gateway.enqueue({ reasoning, tokens: ANSWER, tokenDelayMs: 30 });
    const { cookie } = await newSession(server.url);
    const { socket, events } = await follow(server, cookie);
    const ack = expectOk(
      await request(socket, "send_message", { text: "Think", clientMessageId: "r-cancel" }),
    );
    const messageId = ack.runs[0]?.messageId ?? "";
    await events.waitFor(() => reasoningOf(events.forMessage(messageId)).length >= 3);

    const cancelledAt = Date.now();
    const cancel = expectOk(
      await request(socket, "cancel_processing", { conversationId: ack.conversationId, messageId }),
    );
    expect(cancel.cancelled).toEqual([messageId]);
    const upstream = gateway.requests[0];
    await upstream?.closed;
    expect((upstream?.clientClosedAt ?? Number.POSITIVE_INFINITY) - cancelledAt).toBeLessThan(500);

    const terminal = (await events.terminalOf(messageId)) as AgentProcessingCompleteEvent;
    expect(terminal).toMatchObject({ finishReason: "cancelled", text: "" });
    const seen = reasoningOf(events.forMessage(messageId)).join("");
    expect(terminal.parts).toEqual([{ type: "reasoning", text: seen }]);
    expect(reasoning.join("").startsWith(seen)).toBe(true);
    const stored = await fetchConversation(server.url, cookie, ack.conversationId);
    expect(stored.messages[1]).toMatchObject({ status: "cancelled", text: "" });
    expect(stored.messages[1]?.parts).toEqual(terminal.parts);
  });

  it("a server killed mid-reasoning keeps the checkpointed reasoning", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "switchboard-reasoning-"));
    const env = {
      NODE_ID: `reasoning-${randomBytes(4).toString("hex")}`,
      LLM_BASE_URL: gateway.baseUrl,
      LLM_MODEL: "fake-model",
      RUN_CHECKPOINT_MS: "200",
    };
    const first = await startServerProcess({ env, dataDir });
    let second: ServerProcess | undefined;
    try {
      const reasoning = Array.from({ length: 500 }, (_, i) => ` r${i}`);
      gateway.enqueue({ reasoning, tokens: ANSWER, tokenDelayMs: 20 });
      const { cookie } = await newSession(first.url);
      const { socket, events } = await follow(first, cookie);
      const ack = expectOk(
        await request(socket, "send_message", { text: "Deep", clientMessageId: "r-kill" }),
      );
      const messageId = ack.runs[0]?.messageId ?? "";
      await events.waitFor(() => reasoningOf(events.forMessage(messageId)).length >= 10);
      const seenBeforeCheckpoint = reasoningOf(events.forMessage(messageId)).join("");
      await sleep(600);
      const gone = new Promise((resolve) => socket.once("disconnect", resolve));
      first.child.kill("SIGKILL");
      await first.exited;
      await gone;
      const seenAtCrash = reasoningOf(events.forMessage(messageId)).join("");

      second = await startServerProcess({ env, dataDir });
      const stored = await fetchConversation(second.url, cookie, ack.conversationId);
      const answer = stored.messages[1];
      expect(answer).toMatchObject({ status: "interrupted", text: "" });
      expect(answer?.parts).toHaveLength(1);
      const kept = answer?.parts?.[0];
      expect(kept?.type).toBe("reasoning");
      const keptText = kept?.type === "reasoning" ? kept.text : "";
      expect(keptText.length).toBeGreaterThanOrEqual(seenBeforeCheckpoint.length);
      expect(seenAtCrash.startsWith(keptText)).toBe(true);
    } finally {
      await second?.stop();
      await first.stop().catch(() => {});
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
