import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type {
  AgentProcessingCompleteEvent,
  AgentProcessingErrorEvent,
  AgentProcessingStatusEvent,
} from "@/lib/protocol";
import { FakeGateway, type Scenario } from "../fixtures/fake-gateway";
import {
  connect,
  connected,
  expectOk,
  fetchConversation,
  newSession,
  recordEvents,
  request,
  streamedText,
  type TestSocket,
} from "../helpers/client";
import { type ServerProcess, startServerProcess } from "../helpers/server-process";

let gateway: FakeGateway;
let server: ServerProcess;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  gateway = await FakeGateway.start();
  server = await startServerProcess({
    env: {
      LLM_BASE_URL: gateway.baseUrl,
      LLM_MODEL: "fake-model",
      LLM_FIRST_TOKEN_TIMEOUT_MS: "3000",
      LLM_CHUNK_TIMEOUT_MS: "1000",
      LLM_MAX_RETRIES: "2",
    },
  });
});
afterAll(async () => {
  await server?.stop();
  await gateway?.close();
});
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  gateway.reset();
});

async function viewer(cookie: string) {
  const socket = connect(server.url, cookie);
  sockets.push(socket);
  await connected(socket);
  return { socket, events: recordEvents(socket) };
}

/** The owner sends a message; a second tab joins the conversation and watches the same run. */
async function ask(...scenarios: Scenario[]) {
  gateway.enqueue(...scenarios);
  const { cookie } = await newSession(server.url);
  const owner = await viewer(cookie);
  const ack = expectOk(
    await request(owner.socket, "send_message", { text: "Question", clientMessageId: `f-${Math.random()}` }),
  );
  const tab = await viewer(cookie);
  expectOk(await request(tab.socket, "join_conversation", { conversationId: ack.conversationId }));
  const messageId = ack.runs[0]?.messageId ?? "";
  const statuses = () =>
    owner.events
      .forMessage(messageId)
      .filter((e) => e.name === "agent_processing_status")
      .map((e) => e.payload as unknown as AgentProcessingStatusEvent);
  const stored = async () => (await fetchConversation(server.url, cookie, ack.conversationId)).messages[1];
  return { cookie, owner, tab, ack, messageId, statuses, stored };
}

describe("gateway faults through the real server", () => {
  it("429 with Retry-After: every viewer hears rate_limited with the wait, then the answer", async () => {
    // The 429 takes a moment, so the second tab has joined before it comes.
    const run = await ask(
      { status: 429, retryAfter: "1", headersDelayMs: 300 },
      { tokens: ["Patience", " pays."] },
    );
    const end = (await run.tab.events.terminalOf(run.messageId)) as AgentProcessingCompleteEvent;
    expect(end).toMatchObject({ finishReason: "stop", text: "Patience pays." });
    expect(run.statuses()).toEqual([
      expect.objectContaining({ status: "rate_limited", attempt: 1, retryInMs: 1000 }),
    ]);
    expect(run.tab.events.forMessage(run.messageId).map((e) => e.name)).toContain("agent_processing_status");
    expect(await run.stored()).toMatchObject({ status: "complete", text: "Patience pays." });
    expect(gateway.requests).toHaveLength(2);
  });

  it("5xx: retried with growing backoff while nothing was streamed, then the answer", async () => {
    const run = await ask({ status: 500 }, { status: 503 }, { tokens: ["Recovered."] });
    const end = (await run.owner.events.terminalOf(run.messageId)) as AgentProcessingCompleteEvent;
    expect(end.text).toBe("Recovered.");
    expect(run.statuses().map((s) => [s.status, s.attempt])).toEqual([
      ["retrying", 1],
      ["retrying", 2],
    ]);
    const [first, second] = run.statuses().map((s) => s.retryInMs ?? 0);
    expect(second).toBeGreaterThanOrEqual(first ?? 0);
  });

  it("5xx that persists: an upstream_error after LLM_MAX_RETRIES, retryable, stored", async () => {
    const run = await ask({ status: 502 }, { status: 502 }, { status: 502 });
    const end = (await run.owner.events.terminalOf(run.messageId)) as AgentProcessingErrorEvent;
    expect(end.error).toMatchObject({ code: "upstream_error", retryable: true });
    expect(end.error.message).toMatch(/HTTP 502.*gave up after 2 retries/);
    expect(gateway.requests).toHaveLength(3);
    expect(await run.stored()).toMatchObject({ status: "error", error: { code: "upstream_error" } });
  });

  it("a connection dropped mid-stream: connection_lost with the partial text, stored, and a resend works", async () => {
    const run = await ask({ tokens: ["One", " two", " three", " four"], dropAfter: 3, tokenDelayMs: 20 });
    const end = (await run.owner.events.terminalOf(run.messageId)) as AgentProcessingErrorEvent;
    expect(end.error).toMatchObject({ code: "connection_lost", retryable: true });
    expect(end.partialText).toBe("One two three");
    expect(streamedText(run.owner.events.forMessage(run.messageId))).toBe("One two three");
    expect(await run.stored()).toMatchObject({ status: "error", text: "One two three" });
    expect(gateway.requests).toHaveLength(1);

    gateway.enqueue({ tokens: ["All", " four."] });
    const again = expectOk(
      await request(run.owner.socket, "send_message", {
        conversationId: run.ack.conversationId,
        text: "Question",
        clientMessageId: "f-resend",
      }),
    );
    const retried = await run.owner.events.terminalOf(again.runs[0]?.messageId ?? "");
    expect(retried).toMatchObject({ finishReason: "stop", text: "All four." });
  });

  it("a stall past LLM_CHUNK_TIMEOUT_MS: stalled, partial text kept, the upstream request closed", async () => {
    const run = await ask({ tokens: ["Then", " silence", " forever"], stallAfter: 2, tokenDelayMs: 20 });
    const end = (await run.owner.events.terminalOf(run.messageId)) as AgentProcessingErrorEvent;
    const lastUpdate = run.owner.events.forMessage(run.messageId).findLast((e) => e.name.endsWith("update"));
    const terminalAt = run.owner.events.forMessage(run.messageId).find((e) => e.name.endsWith("error"))?.at;
    expect(end.error).toMatchObject({ code: "stalled", retryable: true });
    expect(end.partialText).toBe("Then silence");
    expect((terminalAt ?? 0) - (lastUpdate?.at ?? 0)).toBeGreaterThanOrEqual(950);
    await gateway.requests[0]?.closed;
    expect(gateway.requests[0]?.clientClosedAt).toBeDefined();
    expect(await run.stored()).toMatchObject({ status: "error", text: "Then silence" });
  });

  it("a slow model load within LLM_FIRST_TOKEN_TIMEOUT_MS is waited for; past it, first_token_timeout", async () => {
    const slow = await ask({ tokens: ["Warm", " now."], firstTokenDelayMs: 2_000 });
    const end = (await slow.owner.events.terminalOf(slow.messageId)) as AgentProcessingCompleteEvent;
    expect(end).toMatchObject({ finishReason: "stop", text: "Warm now." });
    expect(end.timing.firstTokenMs).toBeGreaterThanOrEqual(1_900);

    const cold = await ask({ headersDelayMs: 10_000 });
    const failed = (await cold.owner.events.terminalOf(cold.messageId)) as AgentProcessingErrorEvent;
    expect(failed.error).toMatchObject({ code: "first_token_timeout", retryable: true });
    expect(failed.error.message).toContain("3.0 s");
    await gateway.requests[1]?.closed;
    expect(gateway.requests[1]?.clientClosedAt).toBeDefined();
  });
});

describe("cancel", () => {
  it("closes the upstream within 500 ms, stores the partial text, and tells every viewer cancelled", async () => {
    const tokens = Array.from({ length: 300 }, (_, i) => ` c${i}`);
    const run = await ask({ tokens, tokenDelayMs: 20 });
    await run.tab.events.waitFor(() => streamedText(run.tab.events.forMessage(run.messageId)).length > 20);
    const cancelledAt = Date.now();
    const cancel = expectOk(
      await request(run.owner.socket, "cancel_processing", { conversationId: run.ack.conversationId }),
    );
    expect(cancel.cancelled).toEqual([run.messageId]);
    await gateway.requests[0]?.closed;
    expect((gateway.requests[0]?.clientClosedAt ?? Number.POSITIVE_INFINITY) - cancelledAt).toBeLessThan(500);
    for (const { events } of [run.owner, run.tab]) {
      const end = (await events.terminalOf(run.messageId)) as AgentProcessingCompleteEvent;
      expect(end.finishReason).toBe("cancelled");
      expect(tokens.join("").startsWith(end.text)).toBe(true);
      expect(end.text.length).toBeGreaterThan(20);
    }
    const end = (await run.tab.events.terminalOf(run.messageId)) as AgentProcessingCompleteEvent;
    expect(await run.stored()).toMatchObject({ status: "cancelled", text: end.text });
  });

  it("stops waiting out a rate limit at once, making no further request", async () => {
    const run = await ask({ status: 429, retryAfter: "30" });
    await run.owner.events.waitFor(() => run.statuses().length > 0);
    expectOk(
      await request(run.owner.socket, "cancel_processing", { conversationId: run.ack.conversationId }),
    );
    const end = (await run.owner.events.terminalOf(run.messageId, 2_000)) as AgentProcessingCompleteEvent;
    expect(end).toMatchObject({ finishReason: "cancelled", text: "" });
    expect(gateway.requests).toHaveLength(1);
  });
});
