import { randomBytes } from "node:crypto";
import { io } from "socket.io-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ChatLink } from "@/lib/client/chat-link";
import { chatReducer, initialChatState } from "@/lib/client/state";
import type { Ack, SendMessageResult } from "@/lib/protocol";
import { FakeGateway, type RecordedRequest } from "../fixtures/fake-gateway";
import {
  connect,
  connected,
  expectOk,
  newSession,
  recordEvents,
  request,
  type TestSocket,
} from "../helpers/client";
import { type ReplicaPair, startReplicaPair } from "../helpers/replicas";
import { type ServerProcess, startServerProcess } from "../helpers/server-process";

// Limits per person against the real server: messages per minute, answers
// running at once (counted by the database), open sockets per identity and
// per address; alone and as two replicas sharing Redis and PostgreSQL.
const MESSAGES_PER_MINUTE = 10;
const ACTIVE_RUNS = 3;
const SOCKETS_PER_USER = 3;
const SOCKETS_PER_ADDRESS = 4;
const EVENTS_PER_SECOND = 20;

let gateway: FakeGateway;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  gateway = await FakeGateway.start();
});
afterAll(async () => {
  await gateway?.close();
});
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  gateway.reset();
});

const gatewayEnv = () => ({ LLM_BASE_URL: gateway.baseUrl, LLM_MODEL: "fake-model" });
const clientId = () => randomBytes(6).toString("hex");
const slowAnswer = { tokens: Array.from({ length: 40 }, (_, i) => ` w${i}`), tokenDelayMs: 50 };

type Sent = Ack<SendMessageResult>;

/** A guest identity with a socket on each of the given servers (the same cookie everywhere). */
async function identity(...servers: ServerProcess[]) {
  const [first] = servers;
  if (!first) throw new Error("no server");
  const session = await newSession(first.url);
  const links = await Promise.all(
    servers.map(async (server) => {
      const socket = connect(server.url, session.cookie);
      sockets.push(socket);
      await connected(socket);
      return { socket, events: recordEvents(socket) };
    }),
  );
  return { ...session, links };
}

async function createConversation(server: ServerProcess, cookie: string): Promise<string> {
  const response = await fetch(`${server.url}/api/conversations`, {
    method: "POST",
    headers: { cookie, "content-type": "application/json" },
    body: "{}",
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

/** The clientMessageId each accepted message was sent with, by its userMessageId. */
const sentWith = new Map<string, string>();

async function send(socket: TestSocket, text: string, conversationId?: string): Promise<Sent> {
  const clientMessageId = clientId();
  const ack = await request(socket, "send_message", {
    ...(conversationId ? { conversationId } : {}),
    text,
    clientMessageId,
  });
  if (ack.ok) sentWith.set(ack.userMessageId, clientMessageId);
  return ack;
}

function expectRefusals(acks: Sent[]) {
  const refused = acks.flatMap((ack) => (ack.ok ? [] : [ack.error]));
  for (const error of refused) {
    expect(error.code).toBe("rate_limited");
    expect(error.retryInMs).toBeGreaterThan(0);
  }
  return refused;
}

const accepted = (acks: Sent[]) => acks.filter((ack): ack is Extract<Sent, { ok: true }> => ack.ok);

/** The most requests the gateway held open at once among those whose prompt carries the marker. */
function peakConcurrency(requests: RecordedRequest[], marker: string): number {
  const edges = requests
    .filter((entry) => JSON.stringify(entry.body.messages).includes(marker))
    .flatMap((entry) => [
      { at: entry.receivedAt, delta: 1 },
      { at: entry.finishedAt ?? entry.clientClosedAt ?? Number.POSITIVE_INFINITY, delta: -1 },
    ])
    // An answer ending in the same millisecond as the next one starts was over first.
    .sort((a, b) => a.at - b.at || a.delta - b.delta);
  let open = 0;
  let peak = 0;
  for (const edge of edges) {
    open += edge.delta;
    peak = Math.max(peak, open);
  }
  return peak;
}

/** Connects with extra handshake headers; resolves with the socket, or the refusal's message and data. */
async function tryConnect(server: ServerProcess, cookie: string, headers: Record<string, string> = {}) {
  const socket: TestSocket = io(server.url, {
    path: "/socket.io",
    transports: ["websocket"],
    extraHeaders: { cookie, ...headers },
    reconnection: false,
    forceNew: true,
  });
  sockets.push(socket);
  return new Promise<{ socket: TestSocket } | { refused: string; data: { retryInMs?: number } }>(
    (resolve) => {
      socket.once("connect", () => resolve({ socket }));
      socket.once("connect_error", (error) => {
        resolve({
          refused: error.message,
          data: (error as Error & { data?: { retryInMs?: number } }).data ?? {},
        });
      });
    },
  );
}

async function eventually(attempt: () => Promise<boolean>, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await attempt()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

describe("limits per person on one server", () => {
  // One server counts messages (answers unlimited), the other answers running at once.
  let messages: ServerProcess;
  let runs: ServerProcess;

  beforeAll(async () => {
    [messages, runs] = await Promise.all([
      startServerProcess({
        env: {
          ...gatewayEnv(),
          RATE_LIMIT_MESSAGES_PER_MINUTE: String(MESSAGES_PER_MINUTE),
          MAX_SOCKETS_PER_USER: String(SOCKETS_PER_USER),
        },
      }),
      startServerProcess({
        env: {
          ...gatewayEnv(),
          MAX_ACTIVE_RUNS_PER_USER: String(ACTIVE_RUNS),
          MAX_SOCKETS_PER_ADDRESS: String(SOCKETS_PER_ADDRESS),
          RATE_LIMIT_SOCKET_EVENTS_PER_SECOND: String(EVENTS_PER_SECOND),
          TRUST_PROXY: "1",
        },
      }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([messages?.stop(), runs?.stop()]);
  });

  it("accepts a burst of 200 messages only up to the per-minute limit and refuses the rest with the time to wait", async () => {
    const sender = await identity(messages);
    const bystander = await identity(messages);
    const [link] = sender.links;
    const [other] = bystander.links;
    if (!link || !other) throw new Error("no socket");
    const conversationId = await createConversation(messages, sender.cookie);
    const otherConversation = await createConversation(messages, bystander.cookie);

    const [burst, unaffected] = await Promise.all([
      Promise.all(Array.from({ length: 200 }, (_, i) => send(link.socket, `burst ${i}`, conversationId))),
      Promise.all(Array.from({ length: 5 }, (_, i) => send(other.socket, `calm ${i}`, otherConversation))),
    ]);

    expect(accepted(burst)).toHaveLength(MESSAGES_PER_MINUTE);
    expect(expectRefusals(burst)).toHaveLength(200 - MESSAGES_PER_MINUTE);
    expect(accepted(unaffected)).toHaveLength(5);
    // A retry of a message already stored is answered as before, not refused.
    const [first] = accepted(burst);
    const stored = await request(link.socket, "send_message", {
      conversationId,
      text: "retry",
      clientMessageId: sentWith.get(first?.userMessageId ?? "") ?? "",
    });
    expect(stored.ok && stored.userMessageId).toBe(first?.userMessageId);
  });

  it("does not count a retry of a stored message against the per-minute budget", async () => {
    const sender = await identity(messages);
    const [link] = sender.links;
    if (!link) throw new Error("no socket");
    const conversationId = await createConversation(messages, sender.cookie);
    const sent = await Promise.all(
      Array.from({ length: MESSAGES_PER_MINUTE - 1 }, (_, i) => send(link.socket, `m ${i}`, conversationId)),
    );
    expect(accepted(sent)).toHaveLength(MESSAGES_PER_MINUTE - 1);
    const [first] = accepted(sent);
    for (const attempt of [1, 2]) {
      const again = await request(link.socket, "send_message", {
        conversationId,
        text: `retry ${attempt}`,
        clientMessageId: sentWith.get(first?.userMessageId ?? "") ?? "",
      });
      expect(again.ok && again.userMessageId).toBe(first?.userMessageId);
    }
    // Had the two retries counted, the budget would be spent already.
    expect((await send(link.socket, "the last one", conversationId)).ok).toBe(true);
    expect(expectRefusals([await send(link.socket, "one too many", conversationId)])).toHaveLength(1);
  });

  it("hands a refused message back to the browser's code, unsent, with the time to wait", async () => {
    const { cookie } = await newSession(messages.url);
    const socket = connect(messages.url, cookie);
    sockets.push(socket);
    await connected(socket);
    let state = initialChatState({ agentNames: {} });
    const refused: Array<{ text: string; retryInMs?: number }> = [];
    const link = new ChatLink({
      socket,
      target: null,
      dispatch: (action) => {
        state = chatReducer(state, action);
      },
      onRefused: (message, error) => refused.push({ text: message.text, retryInMs: error.retryInMs }),
    });
    const close = link.open();
    for (let i = 0; i <= MESSAGES_PER_MINUTE; i += 1) {
      const message = { clientMessageId: clientId(), text: `line ${i}`, agentIds: null };
      state = chatReducer(state, { type: "local_send", ...message, createdAt: new Date().toISOString() });
      await link.deliver(message);
    }
    close();
    expect(refused).toEqual([{ text: `line ${MESSAGES_PER_MINUTE}`, retryInMs: expect.any(Number) }]);
    expect(refused[0]?.retryInMs).toBeGreaterThan(0);
    const shown = state.entries.filter((entry) => entry.kind === "user");
    expect(shown.map((entry) => entry.text)).toEqual(
      Array.from({ length: MESSAGES_PER_MINUTE }, (_, i) => `line ${i}`),
    );
    expect(shown.every((entry) => entry.sendState === "sent")).toBe(true);
  });

  it("answers HTTP 429 with Retry-After past the per-minute limit", async () => {
    const { cookie } = await newSession(messages.url);
    const conversationId = await createConversation(messages, cookie);
    const post = () =>
      fetch(`${messages.url}/api/conversations/${conversationId}/messages`, {
        method: "POST",
        headers: { cookie, "content-type": "application/json" },
        body: JSON.stringify({ text: "over HTTP", clientMessageId: clientId() }),
      });
    for (let i = 0; i < MESSAGES_PER_MINUTE; i += 1) expect((await post()).status).toBe(202);
    const refused = await post();
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const body = (await refused.json()) as { error: { code: string; retryInMs: number } };
    expect(body.error.code).toBe("rate_limited");
    expect(body.error.retryInMs).toBeGreaterThan(0);
  });

  it("refuses sockets past the limit per identity with rate_limited and lets a freed slot be used again", async () => {
    const { cookie } = await newSession(messages.url);
    const open = await Promise.all(
      Array.from({ length: SOCKETS_PER_USER }, () => tryConnect(messages, cookie)),
    );
    expect(open.every((outcome) => "socket" in outcome)).toBe(true);
    const over = await tryConnect(messages, cookie);
    expect(over).toMatchObject({ refused: "rate_limited" });
    expect("data" in over && over.data.retryInMs).toBeGreaterThan(0);
    // Another identity from the same address still gets in.
    expect(await tryConnect(messages, (await newSession(messages.url)).cookie)).toHaveProperty("socket");

    const [first] = open;
    if (first && "socket" in first) first.socket.disconnect();
    expect(await eventually(async () => "socket" in (await tryConnect(messages, cookie)))).toBe(true);
    expect(await tryConnect(messages, cookie)).toMatchObject({ refused: "rate_limited" });
  });

  it("refuses sockets past the limit per address, the address taken from the trusted proxy's header", async () => {
    const address = { "x-forwarded-for": "203.0.113.7" };
    const cookies = await Promise.all(
      Array.from({ length: SOCKETS_PER_ADDRESS + 1 }, async () => (await newSession(runs.url)).cookie),
    );
    for (const cookie of cookies.slice(0, SOCKETS_PER_ADDRESS)) {
      expect(await tryConnect(runs, cookie, address)).toHaveProperty("socket");
    }
    const last = cookies[SOCKETS_PER_ADDRESS] ?? "";
    expect(await tryConnect(runs, last, address)).toMatchObject({ refused: "rate_limited" });
    expect(await tryConnect(runs, last, { "x-forwarded-for": "203.0.113.8" })).toHaveProperty("socket");
  });

  it("answers a flood of calls on one connection past its budget with rate_limited, without running them", async () => {
    const flooder = await identity(runs);
    const conversationId = await createConversation(runs, flooder.cookie);
    const [link] = flooder.links;
    if (!link) throw new Error("no socket");
    const acks = await Promise.all(
      Array.from({ length: 300 }, () => request(link.socket, "join_conversation", { conversationId })),
    );
    // A burst of five seconds' worth goes through; the rest is refused with the time to wait.
    expect(acks.filter((ack) => ack.ok)).toHaveLength(EVENTS_PER_SECOND * 5);
    const refused = acks.filter((ack) => !ack.ok);
    expect(refused).toHaveLength(300 - EVENTS_PER_SECOND * 5);
    for (const ack of refused) {
      expect(ack.ok ? null : ack.error).toMatchObject({
        code: "rate_limited",
        retryInMs: expect.any(Number),
      });
    }
    // The budget is the connection's own: another socket of the same person is not slowed down.
    const other = connect(runs.url, flooder.cookie);
    sockets.push(other);
    await connected(other);
    expect((await request(other, "join_conversation", { conversationId })).ok).toBe(true);
  });

  it("never runs more answers of one identity at once than allowed, and frees a place when one ends", async () => {
    gateway.setDefault(slowAnswer);
    const marker = `[${clientId()}]`;
    const sender = await identity(runs);
    const bystander = await identity(runs);
    const [link] = sender.links;
    const [other] = bystander.links;
    if (!link || !other) throw new Error("no socket");

    // Each message opens a conversation of its own, so nothing queues behind another answer.
    const burst = await Promise.all(
      Array.from({ length: 20 }, (_, i) => send(link.socket, `${marker} ${i}`)),
    );
    const running = accepted(burst);
    expect(running).toHaveLength(ACTIVE_RUNS);
    expect(expectRefusals(burst)).toHaveLength(20 - ACTIVE_RUNS);
    // Refused messages leave no empty conversation behind.
    const listed = await fetch(`${runs.url}/api/conversations`, { headers: { cookie: sender.cookie } });
    expect(((await listed.json()) as { conversations: unknown[] }).conversations.length).toBe(ACTIVE_RUNS);
    // Someone else is not held back by them.
    expect(accepted(await Promise.all([1, 2, 3].map((i) => send(other.socket, `other ${i}`))))).toHaveLength(
      3,
    );

    await gateway.waitForRequests(ACTIVE_RUNS + 3);
    const [cancelled, ...rest] = running;
    expectOk(
      await request(link.socket, "cancel_processing", { conversationId: cancelled?.conversationId ?? "" }),
    );
    await link.events.terminalOf(cancelled?.runs[0]?.messageId ?? "");
    const again = await Promise.all([
      send(link.socket, `${marker} again`),
      send(link.socket, `${marker} over`),
    ]);
    expect(accepted(again)).toHaveLength(1);
    expect(expectRefusals(again)).toHaveLength(1);

    for (const ack of [...rest, ...accepted(again)]) {
      await request(link.socket, "cancel_processing", { conversationId: ack.conversationId });
      await link.events.terminalOf(ack.runs[0]?.messageId ?? "");
    }
    await Promise.all(gateway.requests.map((entry) => entry.closed));
    expect(peakConcurrency(gateway.requests, marker)).toBe(ACTIVE_RUNS);
  });
});

describe("limits per person across two replicas sharing Redis and PostgreSQL", () => {
  let replicas: ReplicaPair;
  let a: ServerProcess;
  let b: ServerProcess;

  beforeAll(async () => {
    replicas = await startReplicaPair(
      {
        ...gatewayEnv(),
        RATE_LIMIT_MESSAGES_PER_MINUTE: String(MESSAGES_PER_MINUTE),
        MAX_ACTIVE_RUNS_PER_USER: String(ACTIVE_RUNS),
      },
      ["limits-a", "limits-b"],
    );
    ({ a, b } = replicas);
  });
  afterAll(async () => {
    await replicas?.stop();
  });

  it("draws messages sent alternately to A and B from one per-minute budget", async () => {
    const sender = await identity(a, b);
    const conversationId = await createConversation(a, sender.cookie);
    const acks: Sent[] = [];
    for (let i = 0; i < 2 * MESSAGES_PER_MINUTE; i += 1) {
      const link = sender.links[i % 2];
      if (!link) throw new Error("no socket");
      const ack = await send(link.socket, `turn ${i}`, conversationId);
      acks.push(ack);
      // Each answer ends before the next message, so only the per-minute budget can refuse.
      if (ack.ok) await link.events.terminalOf(ack.runs[0]?.messageId ?? "");
    }
    expect(accepted(acks)).toHaveLength(MESSAGES_PER_MINUTE);
    expect(accepted(acks.filter((_, i) => i % 2 === 1))).toHaveLength(MESSAGES_PER_MINUTE / 2);
    expect(expectRefusals(acks)).toHaveLength(MESSAGES_PER_MINUTE);
    const { redis } = replicas;
    expect((await redis.keys()).some((key) => key.startsWith(`${redis.prefix}:limit:messages:`))).toBe(true);
  });

  it("holds the limit on answers running at once across both replicas", async () => {
    gateway.setDefault(slowAnswer);
    const marker = `[${clientId()}]`;
    const sender = await identity(a, b);
    const burst = await Promise.all(
      Array.from({ length: MESSAGES_PER_MINUTE }, (_, i) => {
        const link = sender.links[i % 2];
        if (!link) throw new Error("no socket");
        return send(link.socket, `${marker} ${i}`);
      }),
    );
    expect(accepted(burst)).toHaveLength(ACTIVE_RUNS);
    expect(expectRefusals(burst)).toHaveLength(MESSAGES_PER_MINUTE - ACTIVE_RUNS);
    await gateway.waitForRequests(ACTIVE_RUNS);
    const [link] = sender.links;
    if (!link) throw new Error("no socket");
    for (const ack of accepted(burst)) {
      // Cancelling reaches the replica that runs the answer, wherever that is.
      await request(link.socket, "cancel_processing", { conversationId: ack.conversationId });
    }
    await Promise.all(gateway.requests.map((entry) => entry.closed));
    expect(peakConcurrency(gateway.requests, marker)).toBe(ACTIVE_RUNS);
  });
});
