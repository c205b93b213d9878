import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AgentProcessingCompleteEvent, Conversation, InProgressRun } from "@/lib/protocol";
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
import { sampleValue, scrape } from "../helpers/metrics";
import { type ReplicaPair, startReplicaPair } from "../helpers/replicas";
import type { ServerProcess } from "../helpers/server-process";

// Two real server processes sharing one PostgreSQL database, one Redis (under a
// key prefix of this file's own) and one session secret, as replicas behind a
// load balancer do. Every run executes on A; the viewer, canceller or joiner is on B.
let gateway: FakeGateway;
let replicas: ReplicaPair;
let a: ServerProcess;
let b: ServerProcess;
let cookie: string;
const sockets: TestSocket[] = [];
const recorders: Array<ReturnType<typeof recordEvents>> = [];

beforeAll(async () => {
  gateway = await FakeGateway.start();
  replicas = await startReplicaPair({ LLM_BASE_URL: gateway.baseUrl, LLM_MODEL: "fake-model" });
  ({ a, b } = replicas);
  ({ cookie } = await newSession(a.url));
});
afterAll(async () => {
  await replicas?.stop();
  await gateway?.close();
});
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  for (const recorder of recorders.splice(0)) expect(recorder.invalid).toEqual([]);
  gateway.reset();
});

async function viewer(server: ServerProcess) {
  const socket = connect(server.url, cookie);
  sockets.push(socket);
  await connected(socket);
  const events = recordEvents(socket);
  recorders.push(events);
  return { socket, events };
}

/** A conversation with a viewer on B already in its room, and the owner's socket on A. */
async function conversationWatchedFromB() {
  const owner = await viewer(a);
  const watcher = await viewer(b);
  const response = await fetch(`${a.url}/api/conversations`, {
    method: "POST",
    headers: { cookie, "content-type": "application/json" },
    body: "{}",
  });
  expect(response.status).toBe(201);
  const { id: conversationId } = (await response.json()) as { id: string };
  expectOk(await request(watcher.socket, "join_conversation", { conversationId }));
  return { owner, watcher, conversationId };
}

async function sendOnA(socket: TestSocket, conversationId: string, text: string) {
  const ack = expectOk(
    await request(socket, "send_message", {
      conversationId,
      text,
      clientMessageId: randomBytes(6).toString("hex"),
    }),
  );
  return ack.runs[0]?.messageId ?? "";
}

const updatesOf = (events: ReceivedEvent[]) => events.filter((e) => e.name === "agent_processing_update");
const deltasOf = (events: ReceivedEvent[]) => updatesOf(events).map((e) => e.payload.delta as string);
const words = (count: number, stem: string) => Array.from({ length: count }, (_, i) => ` ${stem}${i}`);

async function stored(server: ServerProcess, conversationId: string): Promise<Conversation> {
  const response = await fetch(`${server.url}/api/conversations/${conversationId}`, { headers: { cookie } });
  expect(response.status).toBe(200);
  return (await response.json()) as Conversation;
}

/** Every event of the run, seq 0 (started) to the terminal one, once each and in order. */
function expectContiguous(events: ReceivedEvent[]) {
  const run = events.filter((e) => e.name !== "agent_message" && e.name !== "agent_processing_status");
  expect(run.map((e) => e.payload.seq)).toEqual(run.map((_, index) => index));
  expect(run[0]?.name).toBe("agent_processing_started");
}

describe("two replicas sharing Redis and PostgreSQL", () => {
  it("delivers every token of a run on A to a viewer on B, in seq order, and both store the same text", async () => {
    const tokens = words(80, "tok");
    gateway.enqueue({ tokens, tokenDelayMs: 5 });
    const { owner, watcher, conversationId } = await conversationWatchedFromB();
    const messageId = await sendOnA(owner.socket, conversationId, "Stream to the other replica");

    const terminal = (await watcher.events.terminalOf(messageId)) as AgentProcessingCompleteEvent;
    expectContiguous(watcher.events.forMessage(messageId));
    expect(deltasOf(watcher.events.forMessage(messageId))).toEqual(tokens);
    expect(terminal).toMatchObject({ finishReason: "stop", text: tokens.join("") });
    expect(((await owner.events.terminalOf(messageId)) as AgentProcessingCompleteEvent).text).toBe(
      terminal.text,
    );
    for (const server of [a, b]) {
      expect((await stored(server, conversationId)).messages[1]).toMatchObject({
        status: "complete",
        text: tokens.join(""),
      });
    }
    expect(gateway.requests).toHaveLength(1);
  });

  it("cancels a run on A from B: the ack names it, the upstream request closes, every viewer gets cancelled", async () => {
    gateway.enqueue({ tokens: words(400, "long"), tokenDelayMs: 20 });
    const { owner, watcher, conversationId } = await conversationWatchedFromB();
    const messageId = await sendOnA(owner.socket, conversationId, "A long answer, please");
    await watcher.events.waitFor(() => updatesOf(watcher.events.forMessage(messageId)).length >= 5);

    const unknown = expectOk(
      await request(watcher.socket, "cancel_processing", { conversationId, messageId: "no-such-run" }),
    );
    expect(unknown.cancelled).toEqual([]);
    const cancelledAt = Date.now();
    const cancel = expectOk(
      await request(watcher.socket, "cancel_processing", { conversationId, messageId }),
    );
    expect(cancel.cancelled).toEqual([messageId]);

    const upstream = gateway.requests[0];
    await upstream?.closed;
    expect((upstream?.clientClosedAt ?? Number.POSITIVE_INFINITY) - cancelledAt).toBeLessThan(1_000);
    for (const { events } of [owner, watcher]) {
      const terminal = (await events.terminalOf(messageId)) as AgentProcessingCompleteEvent;
      expect(terminal.finishReason).toBe("cancelled");
      expectContiguous(events.forMessage(messageId));
      expect(deltasOf(events.forMessage(messageId)).join("")).toBe(terminal.text);
    }
    const text = ((await watcher.events.terminalOf(messageId)) as AgentProcessingCompleteEvent).text;
    expect((await stored(b, conversationId)).messages[1]).toMatchObject({ status: "cancelled", text });
  });

  it("gives a client joining on B mid-run the text so far from A, then every later update once", async () => {
    const tokens = words(120, "w");
    gateway.enqueue({ tokens, tokenDelayMs: 15 });
    const owner = await viewer(a);
    const created = expectOk(
      await request(owner.socket, "send_message", {
        text: "Go",
        clientMessageId: randomBytes(6).toString("hex"),
      }),
    );
    const runId = created.runs[0]?.messageId ?? "";
    await owner.events.waitFor(() => updatesOf(owner.events.forMessage(runId)).length >= 10);

    const page = await stored(b, created.conversationId);
    expect(page.messages[1]?.status).toBe("streaming");
    expect(page.messages[1]?.text.length).toBeGreaterThan(0);
    expect(tokens.join("").startsWith(page.messages[1]?.text ?? "-")).toBe(true);

    const joiner = await viewer(b);
    const joined = expectOk(
      await request(joiner.socket, "join_conversation", { conversationId: created.conversationId }),
    );
    const snapshot = joined.inProgress.find((run) => run.messageId === runId) as InProgressRun;
    expect(snapshot.seq).toBeGreaterThanOrEqual(10);
    expect(snapshot.text).toBe(tokens.slice(0, snapshot.seq).join(""));

    const terminal = (await joiner.events.terminalOf(runId)) as AgentProcessingCompleteEvent;
    const later = updatesOf(joiner.events.forMessage(runId)).filter(
      (e) => (e.payload.seq as number) > snapshot.seq,
    );
    const seqs = later.map((e) => e.payload.seq as number);
    expect(seqs).toEqual(seqs.map((_, i) => snapshot.seq + 1 + i));
    expect(terminal.seq).toBe(snapshot.seq + later.length + 1);
    expect(snapshot.text + deltasOf(later).join("")).toBe(terminal.text);
    expect(terminal.text).toBe(tokens.join(""));
  });

  it("asks the other replica only about conversations with an answer unfinished there", async () => {
    const { conversationId } = await conversationWatchedFromB();
    const joiner = await viewer(b);
    const before = b.logs.length;
    // A cannot answer while stopped: a question to it would be logged as unanswered after 2 s.
    a.child.kill("SIGSTOP");
    try {
      const joined = expectOk(await request(joiner.socket, "join_conversation", { conversationId }));
      expect(joined.inProgress).toEqual([]);
      expect(
        expectOk(await request(joiner.socket, "cancel_processing", { conversationId })).cancelled,
      ).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 2_500));
    } finally {
      a.child.kill("SIGCONT");
    }
    const unanswered = b.logs
      .slice(before)
      .filter((entry) => typeof entry === "object" && /did not answer/.test(String(entry.msg)));
    expect(unanswered).toEqual([]);
  });

  it("recovers a viewer's session through Redis on the other replica: every missed update once, no join", async () => {
    const { owner, watcher, conversationId } = await conversationWatchedFromB();
    const tokens = words(80, "r");
    gateway.enqueue({ tokens, tokenDelayMs: 15 });
    const messageId = await sendOnA(owner.socket, conversationId, "Keep going");
    await watcher.events.waitFor(() => updatesOf(watcher.events.forMessage(messageId)).length >= 10);

    // What socket.io-client sends to recover a session: its private id and the last offset it saw.
    const { _pid: pid, _lastOffset: offset } = watcher.socket as unknown as {
      _pid: string;
      _lastOffset: string;
    };
    expect(pid).toBeTruthy();
    const socketId = watcher.socket.id;
    const gone = new Promise((resolve) => watcher.socket.once("disconnect", resolve));
    watcher.socket.io.engine?.close();
    await gone;
    const seenOnB = watcher.events.forMessage(messageId).length;
    await owner.events.waitFor(() => updatesOf(owner.events.forMessage(messageId)).length >= seenOnB + 10);

    // It comes back on A, as after a failover: same socket id, its rooms kept, the gap replayed.
    const back = connect(a.url, cookie, { pid, offset });
    sockets.push(back);
    const later = recordEvents(back);
    recorders.push(later);
    await connected(back);
    expect(back.id).toBe(socketId);
    const terminal = (await later.terminalOf(messageId)) as AgentProcessingCompleteEvent;
    expect(terminal.text).toBe(tokens.join(""));
    const all = [...watcher.events.forMessage(messageId), ...later.forMessage(messageId)];
    expectContiguous(all);
    expect(deltasOf(all).join("")).toBe(tokens.join(""));
  });

  it("runs messages to one conversation that reach both replicas at the same moment one after the other", async () => {
    const slow = { tokens: Array.from({ length: 10 }, (_, i) => `turn${i} `), tokenDelayMs: 40 };
    gateway.enqueue(slow, slow);
    const { owner, watcher, conversationId } = await conversationWatchedFromB();
    const send = (socket: TestSocket, text: string) =>
      request(socket, "send_message", {
        conversationId,
        text,
        clientMessageId: randomBytes(6).toString("hex"),
      });
    const [onA, onB] = (
      await Promise.all([send(owner.socket, "From A"), send(watcher.socket, "From B")])
    ).map((ack) => expectOk(ack).runs[0]?.messageId ?? "");
    // The watcher on B was in the room before either message: it saw every event of both.
    const { events } = watcher;
    await Promise.all([events.terminalOf(onA ?? ""), events.terminalOf(onB ?? "")]);
    const at = (name: string, id: string | undefined) =>
      events.events.find((e) => e.name === name && e.payload.messageId === id)?.at ?? Number.NaN;
    // Whichever was stored first answers first; the other starts only after it ended.
    const [first, second] = [onA, onB].sort(
      (x, y) => at("agent_processing_started", x) - at("agent_processing_started", y),
    );
    expect(at("agent_processing_started", second)).toBeGreaterThan(at("agent_processing_complete", first));
    const later = events.forMessage(second ?? "").find((e) => e.name === "agent_processing_status");
    expect(later?.payload).toMatchObject({ status: "queued" });
    // The second saw the first's answer.
    expect(gateway.requests[1]?.body.messages.map((m: { content: unknown }) => m.content)).toContain(
      slow.tokens.join(""),
    );
  });

  it("cancels a run on A through REST on B", async () => {
    gateway.enqueue({ tokens: words(400, "rest"), tokenDelayMs: 20 });
    const { owner, watcher, conversationId } = await conversationWatchedFromB();
    const messageId = await sendOnA(owner.socket, conversationId, "Another long one");
    await watcher.events.waitFor(() => updatesOf(watcher.events.forMessage(messageId)).length >= 3);

    const cancelledAt = Date.now();
    const response = await fetch(`${b.url}/api/conversations/${conversationId}/cancel`, {
      method: "POST",
      headers: { cookie, "content-type": "application/json" },
      body: JSON.stringify({ messageId }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ cancelled: [messageId] });
    const upstream = gateway.requests[0];
    await upstream?.closed;
    expect((upstream?.clientClosedAt ?? Number.POSITIVE_INFINITY) - cancelledAt).toBeLessThan(1_000);
    const terminal = (await watcher.events.terminalOf(messageId)) as AgentProcessingCompleteEvent;
    expect(terminal.finishReason).toBe("cancelled");
  });

  it("serves /api/ready and /metrics on each replica, a run counted on the replica that ran it", async () => {
    for (const server of [a, b]) {
      const ready = await fetch(`${server.url}/api/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({
        status: "ready",
        database: "ok",
        redis: "ok",
        draining: false,
      });
      const metrics = await fetch(`${server.url}/metrics`);
      expect(metrics.headers.get("content-type")).toMatch(/^text\/plain/);
      const body = await metrics.text();
      expect(body).toMatch(/^switchboard_connected_sockets \d+$/m);
      expect(body).toMatch(/^nodejs_eventloop_lag_seconds /m);
    }
    const complete = { agent: "atlas", outcome: "complete" };
    const [beforeA, beforeB] = [await scrape(a.url), await scrape(b.url)];
    const { owner, watcher, conversationId } = await conversationWatchedFromB();
    const messageId = await sendOnA(owner.socket, conversationId, "Count me");
    await watcher.events.terminalOf(messageId);
    const [afterA, afterB] = [await scrape(a.url), await scrape(b.url)];
    expect(sampleValue(afterA, "switchboard_runs_total", complete)).toBe(
      sampleValue(beforeA, "switchboard_runs_total", complete) + 1,
    );
    expect(sampleValue(afterB, "switchboard_runs_total", complete)).toBe(
      sampleValue(beforeB, "switchboard_runs_total", complete),
    );
    expect(sampleValue(afterA, "switchboard_connected_sockets")).toBeGreaterThanOrEqual(1);
    expect(sampleValue(afterB, "switchboard_connected_sockets")).toBeGreaterThanOrEqual(1);
  });

  it("keeps every key it writes under its own prefix in Redis", async () => {
    const { redis } = replicas;
    const keys = await redis.keys();
    expect(keys).toContain(`${redis.prefix}:socket.io`);
    expect(keys.every((key) => key.startsWith(`${redis.prefix}:`))).toBe(true);
  });
});
