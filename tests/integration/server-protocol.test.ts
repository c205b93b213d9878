import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { builtInAgents } from "@/lib/agents/roster";
import type { AgentProcessingCompleteEvent, Conversation } from "@/lib/protocol";
import { FakeGateway } from "../fixtures/fake-gateway";
import {
  connect,
  connected,
  expectOk,
  newSession,
  type ReceivedEvent,
  recordEvents,
  request,
  type TestSocket,
} from "../helpers/client";
import { type ServerProcess, startServerProcess } from "../helpers/server-process";

let gateway: FakeGateway;
let server: ServerProcess;
const sockets: TestSocket[] = [];
const recorders: Array<ReturnType<typeof recordEvents>> = [];

// The built-in agents, plus one configured for a model the gateway does not offer.
const roster = {
  agents: [
    ...builtInAgents,
    { id: "lost", name: "Lost", systemPrompt: "You use a model that is not there.", model: "no-such-model" },
  ],
};

beforeAll(async () => {
  gateway = await FakeGateway.start();
  const agentsFile = join(mkdtempSync(join(tmpdir(), "agents-")), "agents.json");
  writeFileSync(agentsFile, JSON.stringify(roster));
  server = await startServerProcess({
    env: {
      LLM_BASE_URL: gateway.baseUrl,
      LLM_MODEL: "fake-model",
      LLM_CHUNK_TIMEOUT_MS: "3000",
      AGENTS_FILE: agentsFile,
    },
  });
});
afterAll(async () => {
  await server?.stop();
  await gateway?.close();
});
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  for (const recorder of recorders.splice(0)) expect(recorder.invalid).toEqual([]);
  gateway.reset();
});

async function client() {
  const session = await newSession(server.url);
  const socket = connect(server.url, session.cookie);
  sockets.push(socket);
  await connected(socket);
  const events = recordEvents(socket);
  recorders.push(events);
  return { ...session, socket, events };
}

/** Asks Atlas and Quill together, in parallel. */
async function askBothAtOnce(socket: TestSocket, text: string, clientMessageId: string) {
  return expectOk(
    await request(socket, "send_message", {
      text,
      clientMessageId,
      agentIds: ["atlas", "quill"],
      mode: "parallel",
    }),
  );
}

const tokensOf = (events: ReceivedEvent[]) =>
  events.filter((e) => e.name === "agent_processing_update").map((e) => e.payload.delta as string);

async function storedConversation(cookie: string, id: string): Promise<Conversation> {
  const response = await fetch(`${server.url}/api/conversations/${id}`, { headers: { cookie } });
  expect(response.status).toBe(200);
  return (await response.json()) as Conversation;
}

describe("Socket.IO protocol against the real server and a streaming gateway", () => {
  it("refuses a connection without a valid session cookie", async () => {
    for (const cookie of [undefined, "sid=u_forged.AAAA"]) {
      const socket = connect(server.url, cookie);
      sockets.push(socket);
      await expect(connected(socket)).rejects.toThrow("unauthorized");
    }
  });

  it("streams one update per upstream delta, in order, and stores exactly the streamed text", async () => {
    const tokens = ["Hello", " there", ",", " how", " are", " you", "?"];
    gateway.enqueue({ tokens, tokenDelayMs: 15 });
    const { socket, events, cookie } = await client();
    const ack = expectOk(await request(socket, "send_message", { text: "Hi", clientMessageId: "cm-order" }));
    expect(ack.runs).toHaveLength(1);
    const messageId = ack.runs[0]?.messageId ?? "";
    const terminal = (await events.terminalOf(messageId)) as AgentProcessingCompleteEvent;

    const runEvents = events.forMessage(messageId).filter((e) => e.name !== "agent_message");
    expect(runEvents[0]?.name).toBe("agent_processing_started");
    expect(runEvents.map((e) => e.payload.seq)).toEqual(runEvents.map((_, index) => index));
    expect(runEvents.filter((e) => e.name.match(/complete|error/))).toHaveLength(1);
    expect(tokensOf(runEvents)).toEqual(tokens);
    expect(terminal).toMatchObject({ finishReason: "stop", text: tokens.join("") });
    expect(terminal.timing.totalMs).toBeGreaterThan(0);
    const progress = runEvents
      .filter((e) => e.name === "agent_processing_update")
      .map((e) => e.payload.progress);
    expect(progress).toEqual([...progress].sort());
    expect(progress.every((p) => typeof p === "number" && p >= 0 && p < 1)).toBe(true);

    await events.waitFor(() => events.events.some((e) => e.name === "agent_message"));
    const created = events.events.find((e) => e.name === "message_created");
    expect(created?.payload).toMatchObject({
      conversationId: ack.conversationId,
      message: { role: "user", text: "Hi" },
    });

    const stored = await storedConversation(cookie, ack.conversationId);
    expect(stored.messages.map((m) => [m.role, m.status, m.text])).toEqual([
      ["user", "complete", "Hi"],
      ["assistant", "complete", tokens.join("")],
    ]);
    expect(gateway.requests[0]?.body.messages.at(-1)).toEqual({ role: "user", content: "Hi" });
  });

  it("announces the run within 100 ms while the gateway holds its first token for 2 s", async () => {
    gateway.enqueue({ tokens: ["Slow", " start"], firstTokenDelayMs: 2_000 });
    const { socket, events } = await client();
    const sentAt = performance.now();
    const ack = expectOk(
      await request(socket, "send_message", { text: "Wake up", clientMessageId: "cm-cold" }),
    );
    const messageId = ack.runs[0]?.messageId ?? "";
    await events.waitFor(() => events.forMessage(messageId).length > 0);
    const started = events.forMessage(messageId)[0];
    expect(started?.name).toBe("agent_processing_started");
    expect((started?.at ?? Number.POSITIVE_INFINITY) - sentAt).toBeLessThan(100);
    expect(started?.payload).toMatchObject({
      agentId: "atlas",
      agentName: "Atlas",
      model: "fake-model",
      seq: 0,
    });
    await events.waitFor(() => tokensOf(events.forMessage(messageId)).length > 0, 10_000);
    const updateAt = events.forMessage(messageId).find((e) => e.name === "agent_processing_update")?.at ?? 0;
    expect(updateAt - sentAt).toBeGreaterThan(1_900);
    await events.terminalOf(messageId);
  });

  it("refuses invalid payloads through the acknowledgement and keeps serving", async () => {
    const { socket } = await client();
    const cases: Array<[Parameters<typeof request>[1], unknown, RegExp]> = [
      ["send_message", { text: "   ", clientMessageId: "x" }, /bad_request/],
      ["send_message", { text: "hi" }, /bad_request/],
      ["send_message", "not an object", /bad_request/],
      ["send_message", { text: "a".repeat(40_000), clientMessageId: "big" }, /bad_request/],
      ["send_message", { text: "hi", clientMessageId: "ghost", agentIds: ["ghost"] }, /bad_request/],
      ["join_conversation", { conversationId: "does-not-exist" }, /not_found/],
      ["join_conversation", {}, /bad_request/],
      ["cancel_processing", { conversationId: 42 }, /bad_request/],
    ];
    for (const [event, payload, code] of cases) {
      // biome-ignore lint/suspicious/noExplicitAny: deliberately malformed payloads
      const ack = await request(socket, event, payload as any);
      expect(ack.ok, `${event} ${JSON.stringify(payload).slice(0, 60)}`).toBe(false);
      if (!ack.ok) expect(ack.error.code).toMatch(code);
    }
    const unknownAgent = await request(socket, "send_message", {
      text: "hi",
      clientMessageId: "g2",
      agentIds: ["ghost"],
    });
    expect(unknownAgent.ok === false && unknownAgent.error.message).toContain("ghost");
    const health = await fetch(`${server.url}/api/health`);
    expect(health.status).toBe(200);
  });

  it("starts one run, not two, when the same clientMessageId is sent twice", async () => {
    gateway.setDefault({ tokens: ["Once"], tokenDelayMs: 5 });
    const { socket, events } = await client();
    const first = expectOk(
      await request(socket, "send_message", { text: "Retry me", clientMessageId: "cm-idem" }),
    );
    const second = expectOk(
      await request(socket, "send_message", { text: "Retry me", clientMessageId: "cm-idem" }),
    );
    expect(second).toEqual(first);
    await events.terminalOf(first.runs[0]?.messageId ?? "");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(gateway.requests).toHaveLength(1);
  });

  it("cancels mid-stream: closes the upstream request, keeps and stores the partial text", async () => {
    gateway.enqueue({ tokens: Array.from({ length: 300 }, (_, i) => ` t${i}`), tokenDelayMs: 20 });
    const { socket, events, cookie } = await client();
    const ack = expectOk(
      await request(socket, "send_message", { text: "Long", clientMessageId: "cm-cancel" }),
    );
    const messageId = ack.runs[0]?.messageId ?? "";
    await events.waitFor(() => tokensOf(events.forMessage(messageId)).length >= 5);
    const cancelledAt = Date.now();
    const cancel = expectOk(
      await request(socket, "cancel_processing", { conversationId: ack.conversationId }),
    );
    expect(cancel.cancelled).toEqual([messageId]);
    const terminal = (await events.terminalOf(messageId)) as AgentProcessingCompleteEvent;
    expect(terminal.finishReason).toBe("cancelled");
    expect(terminal.text).toBe(tokensOf(events.forMessage(messageId)).join(""));
    const upstream = gateway.requests[0];
    await upstream?.closed;
    expect(upstream?.clientClosedAt).toBeDefined();
    expect((upstream?.clientClosedAt ?? Number.POSITIVE_INFINITY) - cancelledAt).toBeLessThan(500);
    const stored = await storedConversation(cookie, ack.conversationId);
    expect(stored.messages[1]).toMatchObject({ status: "cancelled", text: terminal.text });
    expect(terminal.text.length).toBeGreaterThan(0);
  });

  it("gives a client joining mid-run the text so far, then every later update once", async () => {
    gateway.enqueue({ tokens: Array.from({ length: 60 }, (_, i) => ` w${i}`), tokenDelayMs: 15 });
    const owner = await client();
    const ack = expectOk(
      await request(owner.socket, "send_message", { text: "Go", clientMessageId: "cm-join" }),
    );
    const messageId = ack.runs[0]?.messageId ?? "";
    await owner.events.waitFor(() => tokensOf(owner.events.forMessage(messageId)).length >= 10);

    const tab = connect(server.url, owner.cookie);
    sockets.push(tab);
    await connected(tab);
    const tabEvents = recordEvents(tab);
    recorders.push(tabEvents);
    const joined = expectOk(await request(tab, "join_conversation", { conversationId: ack.conversationId }));
    const snapshot = joined.inProgress.find((run) => run.messageId === messageId);
    expect(snapshot?.seq).toBeGreaterThanOrEqual(10);
    const terminal = (await tabEvents.terminalOf(messageId)) as AgentProcessingCompleteEvent;
    const later = tabEvents
      .forMessage(messageId)
      .filter(
        (e) => e.name === "agent_processing_update" && (e.payload.seq as number) > (snapshot?.seq ?? 0),
      );
    const seqs = later.map((e) => e.payload.seq as number);
    expect(seqs).toEqual(seqs.map((_, i) => (snapshot?.seq ?? 0) + 1 + i));
    expect((snapshot?.text ?? "") + tokensOf(later).join("")).toBe(terminal.text);
    expect(terminal.text).toBe(
      ((await owner.events.terminalOf(messageId)) as AgentProcessingCompleteEvent).text,
    );
  });

  it("lets several agents take turns, each seeing the answers before its own", async () => {
    gateway.enqueue({ tokens: ["Atlas", " answers"] }, { tokens: ["Quill", " reviews"] });
    const { socket, events } = await client();
    const ack = expectOk(
      await request(socket, "send_message", {
        text: "Both?",
        clientMessageId: "cm-two",
        agentIds: ["atlas", "quill"],
      }),
    );
    const [first, second] = ack.runs;
    expect([first?.agentId, second?.agentId]).toEqual(["atlas", "quill"]);
    await events.terminalOf(second?.messageId ?? "");
    const secondEvents = events.forMessage(second?.messageId ?? "").map((e) => e.name);
    expect(secondEvents[0]).toBe("agent_processing_status");
    const firstDone = events.events.findIndex((e) => e.name === "agent_processing_complete");
    const secondStart = events.events.findIndex(
      (e) => e.name === "agent_processing_started" && e.payload.messageId === second?.messageId,
    );
    expect(secondStart).toBeGreaterThan(firstDone);
    expect(gateway.requests[1]?.body.messages.at(-1)).toEqual({
      role: "user",
      content: "[Atlas]: Atlas answers",
    });
  });

  it("runs the agents asked in parallel at once, side by side, each with every event once and a contiguous seq", async () => {
    const slow = (name: string) => ({
      tokens: Array.from({ length: 12 }, (_, i) => `${name}${i} `),
      tokenDelayMs: 40,
    });
    gateway.enqueue(slow("a"), slow("b"));
    const { socket, events } = await client();
    const ack = await askBothAtOnce(socket, "Both at once?", "cm-parallel");
    const ids = ack.runs.map((run) => run.messageId);
    const terminals = await Promise.all(ids.map((id) => events.terminalOf(id)));
    expect(terminals.map((t) => ("finishReason" in t ? t.finishReason : t.error.code))).toEqual([
      "stop",
      "stop",
    ]);
    expect(terminals.map((t) => ("text" in t ? t.text : "")).sort()).toEqual([
      slow("a").tokens.join(""),
      slow("b").tokens.join(""),
    ]);
    for (const id of ids) {
      const own = events.forMessage(id);
      // Neither waited for the other: no "queued" status, and a seq from 0 without a gap or a repeat.
      expect(own.map((e) => e.name)).not.toContain("agent_processing_status");
      expect(own.map((e) => e.payload.seq)).toEqual(own.map((_, i) => i));
    }
    const index = (name: string, id: string | undefined) =>
      events.events.findIndex((e) => e.name === name && e.payload.messageId === id);
    const bothStarted = Math.max(...ids.map((id) => index("agent_processing_started", id)));
    const firstDone = Math.min(...ids.map((id) => index("agent_processing_complete", id)));
    expect(bothStarted).toBeLessThan(firstDone);
    // Their updates interleave: the stream switches between the two answers more than once.
    const updates = events.events
      .filter((e) => e.name === "agent_processing_update" && ids.includes(e.payload.messageId as string))
      .map((e) => e.payload.messageId);
    const switches = updates.filter((id, i) => i > 0 && id !== updates[i - 1]).length;
    expect(switches).toBeGreaterThan(2);
    // Each was asked the question alone, without the other's answer.
    expect(gateway.requests.map((r) => r.body.messages.at(-1))).toEqual([
      { role: "user", content: "Both at once?" },
      { role: "user", content: "Both at once?" },
    ]);
  });

  it("starts a message sent during a parallel turn once the whole turn has ended", async () => {
    const slow = { tokens: Array.from({ length: 8 }, (_, i) => `t${i} `), tokenDelayMs: 40 };
    gateway.enqueue(slow, slow, { tokens: ["Next"] });
    const { socket, events } = await client();
    const first = await askBothAtOnce(socket, "Both?", "cm-turn-1");
    const second = expectOk(
      await request(socket, "send_message", {
        text: "And then?",
        conversationId: first.conversationId,
        clientMessageId: "cm-turn-2",
        agentIds: ["atlas"],
      }),
    );
    const next = second.runs[0]?.messageId ?? "";
    await events.terminalOf(next);
    const queued = events.forMessage(next).find((e) => e.name === "agent_processing_status");
    expect(queued?.payload).toMatchObject({
      status: "queued",
      detail: "Waiting for 2 answer(s) before this one",
    });
    const index = (name: string, id: string | undefined) =>
      events.events.findIndex((e) => e.name === name && e.payload.messageId === id);
    const turnEnded = Math.max(...first.runs.map((run) => index("agent_processing_complete", run.messageId)));
    expect(index("agent_processing_started", next)).toBeGreaterThan(turnEnded);
    // The next answer (Atlas's) sees the whole turn before it: its own answer, and Quill's under its name.
    const history = gateway.requests[2]?.body.messages.map((m: { content: unknown }) => m.content);
    const answered = slow.tokens.join("");
    expect(history?.slice(-4)).toEqual(["Both?", answered, `[Quill]: ${answered}`, "And then?"]);
  });

  it("stops one of two parallel answers and lets the other finish", async () => {
    const slow = { tokens: Array.from({ length: 15 }, (_, i) => `p${i} `), tokenDelayMs: 40 };
    gateway.enqueue(slow, slow);
    const { socket, events } = await client();
    const ack = await askBothAtOnce(socket, "Race?", "cm-parallel-stop");
    const [stopped, kept] = ack.runs.map((run) => run.messageId);
    await events.waitFor(() =>
      events.forMessage(stopped ?? "").some((e) => e.name === "agent_processing_update"),
    );
    const cancel = expectOk(
      await request(socket, "cancel_processing", { conversationId: ack.conversationId, messageId: stopped }),
    );
    expect(cancel.cancelled).toEqual([stopped]);
    expect(await events.terminalOf(stopped ?? "")).toMatchObject({ finishReason: "cancelled" });
    expect(await events.terminalOf(kept ?? "")).toMatchObject({
      finishReason: "stop",
      text: slow.tokens.join(""),
    });
  });

  it("asks the agents a message mentions with @, in order, when it names no agentIds", async () => {
    gateway.enqueue({ tokens: ["Quill here"] }, { tokens: ["Atlas here"] });
    const { socket, events } = await client();
    const ack = expectOk(
      await request(socket, "send_message", {
        text: "@Quill, then @atlas: what do you think? (mail me@atlas.org)",
        clientMessageId: "cm-mentions",
      }),
    );
    expect(ack.runs.map((run) => run.agentId)).toEqual(["quill", "atlas"]);
    await events.terminalOf(ack.runs[1]?.messageId ?? "");
    // agentIds, when given, win over mentions.
    gateway.enqueue({ tokens: ["Atlas only"] });
    const explicit = expectOk(
      await request(socket, "send_message", {
        text: "@Quill?",
        conversationId: ack.conversationId,
        clientMessageId: "cm-mentions-2",
        agentIds: ["atlas"],
      }),
    );
    expect(explicit.runs.map((run) => run.agentId)).toEqual(["atlas"]);
    await events.terminalOf(explicit.runs[0]?.messageId ?? "");
  });

  it("takes back a message still waiting for its turn: its answers never start and the room hears of it", async () => {
    const slow = { tokens: Array.from({ length: 10 }, (_, i) => `r${i} `), tokenDelayMs: 40 };
    gateway.enqueue(slow, { tokens: ["Never"] });
    const { socket, events, cookie } = await client();
    const first = expectOk(
      await request(socket, "send_message", {
        text: "First",
        clientMessageId: "cm-rm-1",
        agentIds: ["atlas"],
      }),
    );
    const conversationId = first.conversationId;
    const second = expectOk(
      await request(socket, "send_message", {
        text: "Second",
        conversationId,
        clientMessageId: "cm-rm-2",
        agentIds: ["atlas", "quill"],
      }),
    );
    const waiting = second.runs.map((run) => run.messageId);
    await events.waitFor(() =>
      waiting.every((id) => events.forMessage(id).some((e) => e.name === "agent_processing_status")),
    );

    const someoneElse = await client();
    expect(
      await request(someoneElse.socket, "remove_message", {
        conversationId,
        messageId: second.userMessageId,
      }),
    ).toMatchObject({ ok: false, error: { code: "forbidden:conversation" } });
    const removed = expectOk(
      await request(socket, "remove_message", { conversationId, messageId: second.userMessageId }),
    );
    expect(removed.removed.sort()).toEqual([second.userMessageId, ...waiting].sort());
    await events.waitFor(() => events.events.some((e) => e.name === "message_removed"));
    expect(events.events.find((e) => e.name === "message_removed")?.payload).toMatchObject({
      conversationId,
    });

    await events.terminalOf(first.runs[0]?.messageId ?? "");
    // Started answers cannot be taken back; unknown ids are not found.
    expect(
      await request(socket, "remove_message", { conversationId, messageId: first.userMessageId }),
    ).toMatchObject({ ok: false, error: { code: "conflict:message" } });
    expect(
      await request(socket, "remove_message", { conversationId, messageId: "no-such-message" }),
    ).toMatchObject({
      ok: false,
      error: { code: "not_found:message" },
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const id of waiting)
      expect(events.forMessage(id).map((e) => e.name)).not.toContain("agent_processing_started");
    expect(gateway.requests).toHaveLength(1);
    const stored = await storedConversation(cookie, conversationId);
    expect(stored.messages.map((m) => m.text)).toEqual(["First", slow.tokens.join("")]);
  });

  it("refuses a turn mode it does not know, over Socket.IO and HTTP", async () => {
    const { socket, cookie } = await client();
    const refused = await request(socket, "send_message", {
      text: "Hm?",
      clientMessageId: "cm-bad-mode",
      agentIds: ["atlas"],
      mode: "all-at-once" as "parallel",
    });
    expect(refused).toMatchObject({ ok: false, error: { code: "bad_request:socket" } });
    const created = await fetch(`${server.url}/api/conversations`, {
      method: "POST",
      headers: { cookie, origin: server.url, "content-type": "application/json" },
      body: "{}",
    });
    const { id } = (await created.json()) as { id: string };
    const posted = await fetch(`${server.url}/api/conversations/${id}/messages`, {
      method: "POST",
      headers: { cookie, origin: server.url, "content-type": "application/json" },
      body: JSON.stringify({ text: "Hm?", mode: "sometimes" }),
    });
    expect(posted.status).toBe(400);
    expect(gateway.requests).toEqual([]);
  });

  it("shares a conversation read-only and live through its share link", async () => {
    gateway.enqueue(
      { tokens: ["First"] },
      { tokens: Array.from({ length: 30 }, (_, i) => ` s${i}`), tokenDelayMs: 15 },
    );
    const owner = await client();
    const ack = expectOk(
      await request(owner.socket, "send_message", { text: "Hi", clientMessageId: "cm-share" }),
    );
    await owner.events.terminalOf(ack.runs[0]?.messageId ?? "");
    const patched = await fetch(`${server.url}/api/conversations/${ack.conversationId}`, {
      method: "PATCH",
      headers: { cookie: owner.cookie, "content-type": "application/json" },
      body: JSON.stringify({ visibility: "public" }),
    });
    const { shareUrl } = (await patched.json()) as { shareUrl: string };
    expect(shareUrl.startsWith(`${server.url}/s/`)).toBe(true);
    const shareId = new URL(shareUrl).pathname.split("/").at(-1) ?? "";

    const viewer = await client();
    const joined = expectOk(await request(viewer.socket, "join_conversation", { shareId }));
    expect(joined.conversation.messages.map((m) => m.text)).toEqual(["Hi", "First"]);
    const again = expectOk(
      await request(owner.socket, "send_message", {
        text: "More",
        conversationId: ack.conversationId,
        clientMessageId: "cm-share-2",
      }),
    );
    const terminal = await viewer.events.terminalOf(again.runs[0]?.messageId ?? "");
    expect(terminal).toMatchObject({ text: Array.from({ length: 30 }, (_, i) => ` s${i}`).join("") });

    const refused = await request(viewer.socket, "send_message", {
      text: "Not mine",
      conversationId: ack.conversationId,
      clientMessageId: "cm-intruder",
    });
    expect(refused.ok === false && refused.error.code).toBe("forbidden:conversation");
    const page = await fetch(`${server.url}/api/conversations/${ack.conversationId}`, {
      headers: { cookie: viewer.cookie },
    });
    expect(page.status).toBe(403);
  });

  it("reports an unknown model at once, naming the models the gateway offers", async () => {
    const { socket, events, cookie } = await client();
    const ack = expectOk(
      await request(socket, "send_message", { text: "Hi", clientMessageId: "cm-404", agentIds: ["lost"] }),
    );
    const terminal = await events.terminalOf(ack.runs[0]?.messageId ?? "");
    expect(terminal).toMatchObject({ error: { code: "model_not_found", retryable: false } });
    expect("error" in terminal && terminal.error.message).toMatch(/no-such-model[\s\S]*fake-model/);
    expect(gateway.requests.filter((r) => r.path.includes("chat"))).toHaveLength(1);
    const stored = await storedConversation(cookie, ack.conversationId);
    expect(stored.messages[1]).toMatchObject({ status: "error", error: { code: "model_not_found" } });
  });
});

describe("HTTP API", () => {
  it("answers 401 without a session and serves the conversation lifecycle with one", async () => {
    expect((await fetch(`${server.url}/api/conversations`)).status).toBe(401);
    const { cookie } = await newSession(server.url);
    const headers = { cookie, "content-type": "application/json" };
    const created = await fetch(`${server.url}/api/conversations`, {
      method: "POST",
      headers,
      body: JSON.stringify({ title: "Planning", agentIds: ["quill"] }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };

    gateway.enqueue({ tokens: ["Via", " HTTP"] });
    const posted = await fetch(`${server.url}/api/conversations/${id}/messages`, {
      method: "POST",
      headers,
      body: JSON.stringify({ text: "Hello over HTTP" }),
    });
    expect(posted.status).toBe(202);
    const body = (await posted.json()) as { runs: Array<{ agentId: string }> };
    expect(body.runs.map((r) => r.agentId)).toEqual(["quill"]);
    await expect.poll(async () => (await storedConversation(cookie, id)).messages[1]?.text).toBe("Via HTTP");

    const list = (await (await fetch(`${server.url}/api/conversations`, { headers })).json()) as {
      conversations: Array<{ id: string; title: string }>;
    };
    expect(list.conversations[0]).toMatchObject({ id, title: "Planning" });
    const renamed = await fetch(`${server.url}/api/conversations/${id}`, {
      method: "PATCH",
      headers,
      body: JSON.stringify({ title: "Renamed" }),
    });
    expect(((await renamed.json()) as { title: string }).title).toBe("Renamed");
    expect((await fetch(`${server.url}/api/conversations/${id}`, { method: "DELETE", headers })).status).toBe(
      204,
    );
    expect((await fetch(`${server.url}/api/conversations/${id}`, { headers })).status).toBe(404);
  });

  it("refuses bad bodies with 400 and oversized ones with 413, with an error code and message", async () => {
    const { cookie } = await newSession(server.url);
    const headers = { cookie, "content-type": "application/json" };
    const bad = await fetch(`${server.url}/api/conversations`, { method: "POST", headers, body: "{nope" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: "bad_request:api" } });
    const huge = await fetch(`${server.url}/api/conversations`, {
      method: "POST",
      headers,
      body: JSON.stringify({ title: "x".repeat(300_000) }),
    });
    expect(huge.status).toBe(413);
  });

  it("lists the agents without their prompts and the models the gateway offers", async () => {
    const agents = (await (await fetch(`${server.url}/api/agents`)).json()) as { agents: object[] };
    expect(agents.agents.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(agents)).not.toContain("systemPrompt");
    const models = (await (await fetch(`${server.url}/api/models`)).json()) as {
      models: Array<{ id: string }>;
    };
    expect(models.models.map((m) => m.id)).toContain("fake-model");
    const ready = await fetch(`${server.url}/api/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ database: "ok", llm: { ok: true } });
  });
});
