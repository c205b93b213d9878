import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AgentProcessingCompleteEvent } from "@/lib/protocol";
import type { ToolChange } from "@/lib/protocol/parts";
import { FakeGateway, type RecordedRequest } from "../fixtures/fake-gateway";
import {
  expectOk,
  fetchConversation,
  followingSockets,
  newSession,
  type ReceivedEvent,
  request,
  streamedText,
} from "../helpers/client";
import { type GatewayServer, startServerWithGateway, writeAgentsFile } from "../helpers/gateway-server";
import { sequenced } from "../helpers/parts-replay";
import { type ReplicaPair, startReplicaPair } from "../helpers/replicas";

// Atlas may consult the others and needs the owner's approval to calculate;
// Quill may consult too; Sage only answers.
const agents = [
  {
    id: "atlas",
    name: "Atlas",
    systemPrompt: "Lead.",
    tools: ["ask_agent", { name: "calculator", requireApproval: true }, "current_time"],
  },
  { id: "quill", name: "Quill", systemPrompt: "Review.", tools: ["ask_agent"] },
  { id: "sage", name: "Sage", systemPrompt: "Answer." },
];
const APPROVAL_TIMEOUT_MS = 3_000;
// Shorter than the approval wait and the slowest nested answer: neither may count against them.
const STALL_AND_TOOL_TIMEOUT_MS = "2000";

const following = followingSockets();
let running: GatewayServer;
let gateway: FakeGateway;
let url: string;

beforeAll(async () => {
  running = await startServerWithGateway({
    agents,
    env: {
      TOOL_APPROVAL_TIMEOUT_MS: String(APPROVAL_TIMEOUT_MS),
      LLM_CHUNK_TIMEOUT_MS: STALL_AND_TOOL_TIMEOUT_MS,
      TOOL_TIMEOUT_MS: STALL_AND_TOOL_TIMEOUT_MS,
    },
  });
  gateway = running.gateway;
  url = running.server.url;
});
afterAll(async () => {
  await running?.stop();
});
afterEach(() => {
  expect(following.closeAll()).toEqual([]);
  gateway.reset();
});

const toolEvents = (events: ReceivedEvent[]) =>
  events.filter((e) => e.name === "agent_processing_tool").map((e) => e.payload as unknown as ToolChange);
const toolNames = (request: RecordedRequest | undefined): string[] =>
  (request?.body.tools ?? []).map((tool: { function: { name: string } }) => tool.function.name);
const askCall = (id: string, agentId: string, question: string) => ({
  id,
  name: "ask_agent",
  arguments: JSON.stringify({ agentId, question }),
});

async function send(baseUrl: string, cookie: string, text: string, agentId = "atlas") {
  const viewer = await following.follow(baseUrl, cookie);
  const ack = expectOk(
    await request(viewer.socket, "send_message", {
      text,
      agentIds: [agentId],
      clientMessageId: `a-${Math.random().toString(36).slice(2)}`,
    }),
  );
  return { ...viewer, conversationId: ack.conversationId, messageId: ack.runs[0]?.messageId ?? "" };
}

/** The run of every nested answer that names `parentMessageId`, by its message id. */
function nestedRuns(events: ReceivedEvent[], parentMessageId: string): string[] {
  const ids = events
    .filter((e) => e.name === "agent_processing_started" && e.payload.parentMessageId === parentMessageId)
    .map((e) => e.payload.messageId as string);
  return [...new Set(ids)];
}

/** Every seq-carrying event of the run, once each, numbered 0, 1, 2… without a gap. */
function expectContiguous(events: ReceivedEvent[]) {
  const seqs = sequenced(events).map((e) => e.payload.seq as number);
  expect(seqs).toEqual(seqs.map((_, index) => index));
}

describe("ask_agent", () => {
  it("runs the asked agent as a nested run, streamed live with its parent's ids, and returns its answer as the result", async () => {
    gateway.enqueue(
      { toolCalls: [askCall("call_ask", "sage", "What is two and two?")] },
      // 2.8 s in all, past TOOL_TIMEOUT_MS: an asked agent's answer has the timeouts of a run, not of a tool.
      { tokens: ["Four", ",", " surely", "."], tokenDelayMs: 700 },
      { tokens: ["Sage", " says", " four."] },
    );
    const { cookie } = await newSession(url);
    const owner = await send(url, cookie, "Ask Sage what two and two is.");

    // A viewer joining while the nested answer streams gets it in the snapshot, tied to its parent.
    await owner.events.waitFor(() => nestedRuns(owner.events.events, owner.messageId).length === 1);
    const [nestedId = ""] = nestedRuns(owner.events.events, owner.messageId);
    await owner.events.waitFor(() => streamedText(owner.events.forMessage(nestedId)).length > 0);
    const joiner = await following.follow(url, cookie);
    const joined = expectOk(
      await request(joiner.socket, "join_conversation", { conversationId: owner.conversationId }),
    );
    expect(joined.inProgress.find((run) => run.messageId === nestedId)).toMatchObject({
      agentId: "sage",
      parentMessageId: owner.messageId,
      parentToolCallId: "call_ask",
    });
    const asked = joined.conversation.messages.find((message) => message.id === nestedId);
    expect(asked).toMatchObject({ parentMessageId: owner.messageId, parentToolCallId: "call_ask" });

    const done = (await owner.events.terminalOf(owner.messageId)) as AgentProcessingCompleteEvent;
    expect(done.finishReason).toBe("stop");
    expect(done.text).toBe("Sage says four.");
    const nested = owner.events.forMessage(nestedId);
    expect(
      nested
        .filter((e) => e.name !== "agent_message")
        .every((e) => e.payload.parentMessageId === owner.messageId),
    ).toBe(true);
    expect(nested.every((e) => e.name === "agent_message" || e.payload.parentToolCallId === "call_ask")).toBe(
      true,
    );
    expect(nested.find((e) => e.name === "agent_processing_complete")?.payload.text).toBe("Four, surely.");
    expectContiguous(nested);
    expectContiguous(owner.events.forMessage(owner.messageId));
    // The answer to a person carries no parent.
    expect(owner.events.forMessage(owner.messageId).some((e) => "parentMessageId" in e.payload)).toBe(false);

    // The asked agent read the question, named by who asked; the asker got the answer as the tool's result.
    expect(gateway.requests).toHaveLength(3);
    expect(JSON.stringify(gateway.requests[1]?.messages.at(-1))).toContain(
      "[Atlas asks you]: What is two and two?",
    );
    const result = gateway.requests[2]?.messages.find((m) => m.role === "tool");
    expect(JSON.stringify(result?.content)).toContain("Four, surely.");
    const calls = toolEvents(owner.events.forMessage(owner.messageId));
    expect(calls.at(-1)).toMatchObject({
      toolName: "ask_agent",
      state: "output-available",
      output: "Four, surely.",
    });

    // Stored: the nested answer with its parent; later turns read it only as the asker's tool result.
    const stored = await fetchConversation(url, cookie, owner.conversationId);
    expect(stored.messages.map((m) => [m.role, m.agentId ?? null, m.parentMessageId ?? null])).toEqual([
      ["user", null, null],
      ["assistant", "atlas", null],
      ["assistant", "sage", owner.messageId],
    ]);
    gateway.enqueue({ tokens: ["Fine."] });
    const again = expectOk(
      await request(owner.socket, "send_message", {
        conversationId: owner.conversationId,
        text: "Thanks.",
        agentIds: ["sage"],
        clientMessageId: "a-thanks",
      }),
    );
    await owner.events.terminalOf(again.runs[0]?.messageId ?? "");
    const history = JSON.stringify(gateway.requests[3]?.messages);
    expect(history).toContain("Sage says four.");
    expect(history).not.toContain("Four, surely.");
  });

  it("stops the nested run with the asking one", async () => {
    gateway.enqueue(
      { toolCalls: [askCall("call_slow", "sage", "Tell me a long story.")] },
      { tokens: Array.from({ length: 200 }, (_, i) => ` w${i}`), tokenDelayMs: 50 },
    );
    const { cookie } = await newSession(url);
    const owner = await send(url, cookie, "Ask Sage for a story.");
    await owner.events.waitFor(() => nestedRuns(owner.events.events, owner.messageId).length === 1);
    const [nestedId = ""] = nestedRuns(owner.events.events, owner.messageId);
    await owner.events.waitFor(() => streamedText(owner.events.forMessage(nestedId)).length > 0);

    const cancelled = expectOk(
      await request(owner.socket, "cancel_processing", {
        conversationId: owner.conversationId,
        messageId: owner.messageId,
      }),
    );
    expect(cancelled.cancelled).toEqual([owner.messageId]);
    const parent = (await owner.events.terminalOf(owner.messageId)) as AgentProcessingCompleteEvent;
    const child = (await owner.events.terminalOf(nestedId)) as AgentProcessingCompleteEvent;
    expect(parent.finishReason).toBe("cancelled");
    expect(child.finishReason).toBe("cancelled");
    // The nested run's upstream request was closed, not left to stream.
    await gateway.requests[1]?.closed;
    expect(gateway.requests[1]?.clientClosedAt).toBeDefined();
    expect(gateway.requests).toHaveLength(2);
    const stored = await fetchConversation(url, cookie, owner.conversationId);
    expect(stored.messages.map((m) => m.status)).toEqual(["complete", "cancelled", "cancelled"]);
  });

  it("refuses an agent asking itself or an unknown agent, telling the model why", async () => {
    gateway.enqueue(
      { toolCalls: [askCall("call_self", "atlas", "Me?"), askCall("call_nobody", "nobody", "You?")] },
      { tokens: ["I", " cannot."] },
    );
    const { cookie } = await newSession(url);
    const owner = await send(url, cookie, "Ask yourself.");
    await owner.events.terminalOf(owner.messageId);
    const errors = toolEvents(owner.events.forMessage(owner.messageId)).filter(
      (e) => e.state === "output-error",
    );
    expect(errors.map((e) => [e.toolCallId, e.errorText])).toEqual([
      ["call_self", "An agent cannot ask itself."],
      ["call_nobody", 'There is no agent "nobody" to ask (you can ask: quill, sage).'],
    ]);
    expect(nestedRuns(owner.events.events, owner.messageId)).toEqual([]);
    expect(gateway.requests).toHaveLength(2);
  });

  it("offers ask_agent only down to AGENT_MAX_DEPTH (2 by default)", async () => {
    gateway.enqueue(
      { toolCalls: [askCall("call_1", "quill", "Check this with Atlas.")] },
      { toolCalls: [askCall("call_2", "atlas", "Is it right?")] },
      { tokens: ["Yes."] },
      { tokens: ["Atlas", " agrees."] },
      { tokens: ["Done."] },
    );
    const { cookie } = await newSession(url);
    const owner = await send(url, cookie, "Go deep.");
    const done = (await owner.events.terminalOf(owner.messageId)) as AgentProcessingCompleteEvent;
    expect(done.text).toBe("Done.");
    const [quillRun = ""] = nestedRuns(owner.events.events, owner.messageId);
    const [deepRun = ""] = nestedRuns(owner.events.events, quillRun);
    expect(owner.events.forMessage(deepRun)[0]?.payload).toMatchObject({
      agentId: "atlas",
      parentToolCallId: "call_2",
    });
    // Depth 0 and 1 may ask; the answer two asks deep is offered its other tools, not ask_agent.
    expect(toolNames(gateway.requests[0])).toContain("ask_agent");
    expect(toolNames(gateway.requests[1])).toEqual(["ask_agent"]);
    expect(toolNames(gateway.requests[2])).toEqual(["calculator", "current_time"]);
  });
});

describe("a tool that needs approval", () => {
  const calculate = (id: string) => ({ id, name: "calculator", arguments: '{"expression":"6*7"}' });

  async function waitingFor(baseUrl: string, cookie: string, callId: string) {
    gateway.enqueue({ toolCalls: [calculate(callId)] }, { tokens: ["It", " is", " 42."] });
    const owner = await send(baseUrl, cookie, "What is 6 times 7?");
    await owner.events.waitFor(() =>
      toolEvents(owner.events.forMessage(owner.messageId)).some((e) => e.state === "approval-requested"),
    );
    return owner;
  }

  it("waits for the owner, refuses anyone else, and runs once approved, the question and answer in the run's seq", async () => {
    const { cookie } = await newSession(url);
    const owner = await waitingFor(url, cookie, "call_ok");
    const payload = {
      conversationId: owner.conversationId,
      messageId: owner.messageId,
      toolCallId: "call_ok",
    };
    // Nothing ran while it waits: one request upstream, no output.
    expect(gateway.requests).toHaveLength(1);

    const stranger = await following.follow(url, (await newSession(url)).cookie);
    const refused = await request(stranger.socket, "approve_tool_call", { ...payload, approved: true });
    expect(refused).toMatchObject({ ok: false, error: { code: "forbidden:conversation" } });
    const unknown = await request(owner.socket, "approve_tool_call", {
      ...payload,
      toolCallId: "nope",
      approved: true,
    });
    expect(unknown).toMatchObject({ ok: false, error: { code: "not_found:approval" } });
    const bad = await request(owner.socket, "approve_tool_call", { ...payload, approved: "yes" } as never);
    expect(bad).toMatchObject({ ok: false, error: { code: "bad_request:socket" } });

    expectOk(await request(owner.socket, "approve_tool_call", { ...payload, approved: true }));
    const again = await request(owner.socket, "approve_tool_call", { ...payload, approved: false });
    expect(again).toMatchObject({ ok: false, error: { code: "not_found:approval" } });
    const done = (await owner.events.terminalOf(owner.messageId)) as AgentProcessingCompleteEvent;
    expect(done.text).toBe("It is 42.");

    const run = owner.events.forMessage(owner.messageId);
    expectContiguous(run);
    const states = toolEvents(run).map((e) => [e.state, e.approval ?? null]);
    expect(states.slice(-4)).toEqual([
      ["input-available", null],
      ["approval-requested", "requested"],
      ["input-available", "approved"],
      ["output-available", null],
    ]);
    expect(toolEvents(run).at(-1)?.output).toBe("42");
    const stored = await fetchConversation(url, cookie, owner.conversationId);
    expect(stored.messages[1]?.parts?.[0]).toMatchObject({
      state: "output-available",
      approval: "approved",
      output: "42",
    });
  });

  it("tells the model a denial as the tool's result and never runs the tool", async () => {
    const { cookie } = await newSession(url);
    const owner = await waitingFor(url, cookie, "call_no");
    expectOk(
      await request(owner.socket, "approve_tool_call", {
        conversationId: owner.conversationId,
        messageId: owner.messageId,
        toolCallId: "call_no",
        approved: false,
      }),
    );
    await owner.events.terminalOf(owner.messageId);
    const last = toolEvents(owner.events.forMessage(owner.messageId)).at(-1);
    expect(last).toMatchObject({ state: "output-error", approval: "denied" });
    expect(last?.output).toBeUndefined();
    const result = gateway.requests[1]?.messages.find((m) => m.role === "tool");
    expect(JSON.stringify(result?.content)).toContain("The user denied this call, so it was not run.");
  });

  it("counts an unanswered request as denied once TOOL_APPROVAL_TIMEOUT_MS has passed", async () => {
    const { cookie } = await newSession(url);
    const owner = await waitingFor(url, cookie, "call_late");
    const askedAt = performance.now();
    await owner.events.terminalOf(owner.messageId, APPROVAL_TIMEOUT_MS + 10_000);
    const events = owner.events.forMessage(owner.messageId);
    const expired = events.find(
      (e) => e.name === "agent_processing_tool" && e.payload.approval === "expired",
    );
    expect(expired?.payload).toMatchObject({ state: "output-error" });
    expect((expired?.at ?? 0) - askedAt).toBeGreaterThan(APPROVAL_TIMEOUT_MS - 500);
    const result = gateway.requests[1]?.messages.find((m) => m.role === "tool");
    expect(JSON.stringify(result?.content)).toContain("Nobody approved this call in time");
  });

  it("ends its wait when the answer is stopped", async () => {
    const { cookie } = await newSession(url);
    const owner = await waitingFor(url, cookie, "call_stop");
    expectOk(await request(owner.socket, "cancel_processing", { conversationId: owner.conversationId }));
    const done = (await owner.events.terminalOf(owner.messageId)) as AgentProcessingCompleteEvent;
    expect(done.finishReason).toBe("cancelled");
    expect(gateway.requests).toHaveLength(1);
  });
});

describe("approvals across replicas", () => {
  let pair: ReplicaPair;
  let replicaGateway: FakeGateway;

  beforeAll(async () => {
    replicaGateway = await FakeGateway.start();
    pair = await startReplicaPair({
      LLM_BASE_URL: replicaGateway.baseUrl,
      LLM_MODEL: "fake-model",
      AGENTS_FILE: writeAgentsFile(agents),
    });
  });
  afterAll(async () => {
    await pair?.stop();
    await replicaGateway?.close();
  });

  it("takes the owner's answer on whichever replica it reaches", async () => {
    const { cookie } = await newSession(pair.a.url);
    for (const [runsOn, answersOn] of [
      [pair.a, pair.b],
      [pair.b, pair.a],
    ] as const) {
      replicaGateway.enqueue(
        { toolCalls: [{ id: "call_x", name: "calculator", arguments: '{"expression":"2+3"}' }] },
        { tokens: ["Five."] },
      );
      const owner = await send(runsOn.url, cookie, "What is 2 plus 3?");
      await owner.events.waitFor(() =>
        toolEvents(owner.events.forMessage(owner.messageId)).some((e) => e.state === "approval-requested"),
      );
      const elsewhere = await following.follow(answersOn.url, cookie);
      expectOk(
        await request(elsewhere.socket, "approve_tool_call", {
          conversationId: owner.conversationId,
          messageId: owner.messageId,
          toolCallId: "call_x",
          approved: true,
        }),
      );
      const done = (await owner.events.terminalOf(owner.messageId)) as AgentProcessingCompleteEvent;
      expect(done.text).toBe("Five.");
      expect(toolEvents(owner.events.forMessage(owner.messageId)).at(-1)).toMatchObject({
        state: "output-available",
        output: "5",
      });
      replicaGateway.reset();
    }
  });
});
