import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeGateway } from "../fixtures/fake-gateway";
import {
  connect,
  connected,
  expectOk,
  newSession,
  recordEvents,
  request,
  type TestSocket,
} from "../helpers/client";
import { discoverRoutes, nodeMayRefuseHead, sendRaw } from "../helpers/fuzz-http";
import { anyPayload, anyValue, type FuzzFixture, nearlyValidPayload } from "../helpers/fuzz-inputs";
import { httpCase } from "../helpers/fuzz-requests";
import {
  ackProblem,
  describeInput,
  emit,
  handshakeInput,
  pingProblem,
  rawPacket,
  shake,
} from "../helpers/fuzz-socket";
import { type ServerProcess, startServerProcess } from "../helpers/server-process";

/**
 * Random input against every Socket.IO event, every handshake and every
 * route of one real server. A failure prints fast-check's seed and
 * counterexample; FUZZ_SEED=<seed> replays a run.
 */

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const ACK_TIMEOUT_MS = 8_000;
const SETTLE_TIMEOUT_MS = 5_000;
const HTTP_TIMEOUT_MS = 10_000;

const runs = <T>(numRuns: number, timeLimitMs: number): fc.Parameters<T> => ({
  numRuns,
  interruptAfterTimeLimit: timeLimitMs,
  ...(SEED === undefined ? {} : { seed: SEED }),
});

/** SPEC §3's client events; the ones the server answers are found by asking (see beforeAll). */
const SPEC_EVENTS = [
  "join_conversation",
  "leave_conversation",
  "send_message",
  "cancel_processing",
  "remove_message",
  "approve_tool_call",
  "edit_message",
  "regenerate",
  "switch_branch",
] as const;
const UNKNOWN_EVENTS = [
  "no_such_event",
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "error",
  "emit",
];

let gateway: FakeGateway;
let server: ServerProcess;
let fixture: FuzzFixture;
let implemented: Set<string>;
const identities = { owner: { cookie: "", userId: "" }, other: { cookie: "", userId: "" } };
type Who = keyof typeof identities;
const sockets: Partial<Record<Who, TestSocket>> = {};
const recorders: Array<ReturnType<typeof recordEvents>> = [];
/** What was sent when, to name the inputs around an error the server logged later. */
const journal: Array<{ at: number; what: string }> = [];
/** Acks of events the server does not answer at once, should one come after all. */
const lateAcks: Array<{ what: string; problem: string }> = [];

const note = (what: string) => journal.push({ at: Date.now(), what });

async function socketOf(who: Who): Promise<TestSocket> {
  const existing = sockets[who];
  if (existing?.connected) return existing;
  existing?.disconnect();
  const socket = connect(server.url, identities[who].cookie);
  await connected(socket);
  recorders.push(recordEvents(socket));
  sockets[who] = socket;
  return socket;
}

/** Who owns each conversation the fuzzer has seen acknowledged, to catch an ack naming someone else's. */
const ownerOf = new Map<string, Who>();

type SocketCall = { who: Who; event: string; payload: unknown };

/** Emits one call; returns what is wrong with its outcome, and its ack. */
async function socketCall({
  who,
  event,
  payload,
}: SocketCall): Promise<{ problem: string | null; ack?: Record<string, unknown> }> {
  const socket = await socketOf(who);
  if (!implemented.has(event)) {
    // Not answered at once: the socket must go on serving, and any late answer must still be well-formed.
    void emit(socket, event, [payload], ACK_TIMEOUT_MS).then((outcome) => {
      const problem = outcome.kind === "ack" ? ackProblem(event, outcome.response) : null;
      if (problem) lateAcks.push({ what: `${event} ${describeInput(payload)}`, problem });
    });
    return { problem: await pingProblem(socket, ACK_TIMEOUT_MS) };
  }
  const outcome = await emit(socket, event, [payload], ACK_TIMEOUT_MS);
  if (outcome.kind === "timeout") return { problem: `${event}: no ack within ${ACK_TIMEOUT_MS} ms` };
  if (outcome.kind === "disconnected") {
    return { problem: `${event}: the server dropped the socket (${outcome.reason})` };
  }
  const problem = ackProblem(event, outcome.response);
  if (problem) return { problem: `${event}: ${problem}` };
  const ack = outcome.response[0] as Record<string, unknown>;
  const conversationId = ack.ok ? ack.conversationId : undefined;
  if (typeof conversationId === "string") {
    const owner = ownerOf.get(conversationId) ?? who;
    ownerOf.set(conversationId, owner);
    if (owner !== who) return { problem: `${event}: ${who} acked with ${owner}'s conversation`, ack };
  }
  return { problem: null, ack };
}

beforeAll(async () => {
  gateway = await FakeGateway.start();
  gateway.setDefault({ tokens: ["Fine", "."], tokenDelayMs: 1 });
  server = await startServerProcess({ env: { LLM_BASE_URL: gateway.baseUrl, LLM_MODEL: "fake-model" } });
  identities.owner = await newSession(server.url);
  identities.other = await newSession(server.url);

  const owner = await socketOf("owner");
  const events = recordEvents(owner);
  const sent = expectOk(
    await request(owner, "send_message", { text: "hello", clientMessageId: randomUUID() }),
  );
  for (const run of sent.runs) await events.terminalOf(run.messageId);
  const api = (cookie: string, method: string, path: string, body: object) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: { cookie, "content-type": "application/json" },
      body: JSON.stringify(body),
    }).then((response) => response.json() as Promise<{ id: string; shareUrl?: string }>);
  // Several, for the fuzzer deletes some; most of them shared, as a renamed shared one answers with its link.
  const created = await Promise.all(
    Array.from({ length: 16 }, (_, n) =>
      api(identities.owner.cookie, "POST", "/api/conversations", { title: `Fuzz ${n}` }),
    ),
  );
  const shared = await Promise.all(
    created
      .slice(0, 12)
      .map(({ id }) =>
        api(identities.owner.cookie, "PATCH", `/api/conversations/${id}`, { visibility: "public" }),
      ),
  );
  const others = await api(identities.other.cookie, "POST", "/api/conversations", { title: "Not yours" });
  const agents = (await (await fetch(`${server.url}/api/agents`)).json()) as {
    agents: Array<{ id: string }>;
  };
  const ownConversationIds = [sent.conversationId, ...created.map(({ id }) => id)];
  for (const id of ownConversationIds) ownerOf.set(id, "owner");
  ownerOf.set(others.id, "other");
  fixture = {
    ownConversationIds,
    otherConversationId: others.id,
    shareId: decodeURIComponent(shared[0]?.shareUrl?.split("/s/")[1] ?? "no-share"),
    messageIds: [sent.userMessageId, ...sent.runs.map((run) => run.messageId)],
    agentIds: agents.agents.map((agent) => agent.id),
  };

  // An event the server implements refuses an empty payload at once; one it does not is never answered.
  const probes = await Promise.all(SPEC_EVENTS.map((event) => emit(owner, event, [{}], 3_000)));
  implemented = new Set(SPEC_EVENTS.filter((_, index) => probes[index]?.kind === "ack"));
}, 120_000);

afterAll(async () => {
  for (const socket of Object.values(sockets)) socket?.disconnect();
  await server?.stop();
  await gateway?.close();
});

describe("fuzzing the real server with random input", () => {
  it("answers every Socket.IO event with a well-formed acknowledgement, never an internal error", async () => {
    expect(implemented).toContain("send_message");
    const eventName = fc.oneof(
      { weight: 12, arbitrary: fc.constantFrom(...SPEC_EVENTS) },
      { weight: 1, arbitrary: fc.constantFrom(...UNKNOWN_EVENTS) },
      { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 20 }) },
    );
    const call = fc
      .record({ who: fc.constantFrom<Who>("owner", "other"), event: eventName })
      .chain(({ who, event }) =>
        fc
          .oneof(
            { weight: 3, arbitrary: nearlyValidPayload(fixture, event) },
            { weight: 2, arbitrary: anyPayload(fixture) },
          )
          .map((payload) => ({ who, event, payload })),
      );
    // Sometimes the first call goes twice at once, as a client's retry would.
    const batch = fc
      .tuple(fc.array(call, { minLength: 1, maxLength: 4 }), fc.boolean())
      .map(([calls, twice]) => (twice && calls[0] ? [...calls, calls[0]] : calls));
    await fc.assert(
      fc.asyncProperty(batch, async (calls) => {
        note(`socket ${describeInput(calls)}`);
        const outcomes = await Promise.all(calls.map((input) => socketCall(input)));
        const problems = outcomes.map((outcome) => outcome.problem).filter((problem) => problem !== null);
        const first = outcomes[0]?.ack;
        const again = calls.length > 1 && calls.at(-1) === calls[0] ? outcomes.at(-1)?.ack : undefined;
        if (first?.ok && again?.ok && calls[0]?.event === "send_message") {
          if (first.conversationId !== again.conversationId || first.userMessageId !== again.userMessageId) {
            problems.push(`the same send twice acked different ids: ${describeInput([first, again])}`);
          }
        }
        if (problems.length > 0) throw new Error(problems.join("\n"));
      }),
      runs(300, 15_000),
    );
  }, 40_000);

  it("answers an implemented event however its arguments are arranged, or ignores it without an ack", async () => {
    // One record per arrangement, so a counterexample carries only what its arrangement sends.
    const event = fc.constantFrom(...implemented);
    const payload = fc.oneof(anyPayload(fixture), fc.constant({}));
    const call = fc.oneof(
      fc.record({ shape: fc.constant("ack-only" as const), event }),
      fc.record({ shape: fc.constant("no-ack" as const), event, payload }),
      fc.record({ shape: fc.constant("payload-extra-ack" as const), event, payload, extra: anyValue }),
      fc.record({
        shape: fc.constant("many-args" as const),
        event,
        payload,
        extra: fc.array(anyValue, { minLength: 2, maxLength: 4 }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(call, async (input) => {
        note(`arity ${describeInput(input)}`);
        const socket = await socketOf("owner");
        if (input.shape === "no-ack") {
          // biome-ignore lint/suspicious/noExplicitAny: arbitrary arguments
          (socket as any).emit(input.event, input.payload);
          const problem = await pingProblem(socket, ACK_TIMEOUT_MS);
          if (problem) throw new Error(problem);
          return;
        }
        const args =
          input.shape === "ack-only"
            ? []
            : input.shape === "payload-extra-ack"
              ? [input.payload, input.extra]
              : [input.payload, ...input.extra];
        const { event } = input;
        // Shorter than elsewhere: a missing ack costs this much for every step of shrinking.
        const outcome = await emit(socket, event, args, 2_000);
        if (outcome.kind !== "ack") throw new Error(`${event} (${input.shape}): ${outcome.kind}, no ack`);
        const problem = ackProblem(event, outcome.response);
        if (problem) throw new Error(`${event} (${input.shape}): ${problem}`);
      }),
      runs(60, 12_000),
    );
  }, 40_000);

  it("survives raw Socket.IO packets of any shape: it ignores them or closes that one connection", async () => {
    const packet = rawPacket(fixture, [...SPEC_EVENTS, ...UNKNOWN_EVENTS]);
    await fc.assert(
      fc.asyncProperty(fc.array(packet, { minLength: 1, maxLength: 3 }), async (packets) => {
        note(`raw ${describeInput(packets)}`);
        const socket = connect(server.url, identities.owner.cookie);
        try {
          await connected(socket);
          for (const data of packets) socket.io.engine.write(data);
          const outcome = await emit(
            socket,
            "leave_conversation",
            [{ conversationId: "c-ping" }],
            ACK_TIMEOUT_MS,
          );
          if (outcome.kind === "timeout") throw new Error("the connection neither answers nor closes");
        } finally {
          socket.disconnect();
        }
      }),
      runs(150, 6_000),
    );
  }, 30_000);

  it("settles every handshake, whatever its cookie, auth and headers, and lets none in without a session", async () => {
    const valid = [identities.owner.cookie, identities.other.cookie];
    const handshake = handshakeInput(fixture, valid, server.url);
    const appOrigins = [server.url, server.url.replace("http:", "https:")];
    await fc.assert(
      fc.asyncProperty(fc.array(handshake, { minLength: 1, maxLength: 3 }), async (handshakes) => {
        note(`handshake ${describeInput(handshakes)}`);
        const problems = await Promise.all(
          handshakes.map(async (input) => {
            const { socket, settled } = await shake(server.url, input, SETTLE_TIMEOUT_MS);
            try {
              if (settled === "timeout") return "the handshake neither connected nor failed";
              if (settled === "refused") return null;
              // An empty Origin is no Origin (browsers send "null" for an opaque one).
              const origin = input.origin?.split(",")[0]?.trim() || undefined;
              if (origin !== undefined && !appOrigins.includes(origin))
                return "connected from another origin";
              if (!valid.some((sid) => input.cookie?.includes(sid)))
                return "connected without a valid session";
              return await pingProblem(socket, ACK_TIMEOUT_MS);
            } finally {
              socket.disconnect();
            }
          }),
        );
        const found = problems.filter((problem) => problem !== null);
        if (found.length > 0) throw new Error(found.join("\n"));
      }),
      runs(250, 8_000),
    );
  }, 30_000);

  it("answers every route, page and random path without a 5xx and in time", async () => {
    const routes = discoverRoutes();
    const endpoints = [...routes.api, ...routes.pages];
    expect(endpoints).toContainEqual({ method: "POST", template: "/api/conversations/[id]/messages" });
    const templates = [
      ...new Set([
        ...endpoints.map((endpoint) => endpoint.template),
        // SPEC §4 routes that may not exist yet, and what the server serves outside Next.
        "/api/attachments",
        "/api/attachments/[id]",
        "/api/conversations/[id]/export",
        "/metrics",
        "/socket.io/",
        "/_next/static/[id]",
        "/favicon.ico",
        "/icon.svg",
      ]),
    ];
    const input = httpCase(fixture, templates, endpoints, {
      ownerCookie: identities.owner.cookie,
      otherCookie: identities.other.cookie,
      origin: server.url,
      host: new URL(server.url).host,
    });
    await fc.assert(
      fc.asyncProperty(fc.array(input, { minLength: 1, maxLength: 4 }), async (requests) => {
        note(`http ${describeInput(requests)}`);
        const outcomes = await Promise.all(
          requests.map(async (request) => {
            const response = await sendRaw(server.port, request, HTTP_TIMEOUT_MS).catch(
              (error: Error) => error,
            );
            const label = `${request.method} ${request.path}`;
            if (response instanceof Error) {
              const reset = /ECONNRESET|EPIPE/.test(response.message);
              return reset && nodeMayRefuseHead(request) ? null : `${label}: ${response.message}`;
            }
            if (response.status >= 500)
              return `${label}: HTTP ${response.status} ${response.body.slice(0, 300)}`;
            return null;
          }),
        );
        const problems = outcomes.filter((problem) => problem !== null);
        if (problems.length > 0) throw new Error(problems.join("\n"));
      }),
      runs(400, 15_000),
    );
  }, 40_000);

  it("is healthy afterwards: serves a normal exchange and logged no unhandled or unexpected error", async () => {
    expect(server.child.exitCode).toBeNull();
    const health = await fetch(`${server.url}/api/health`, { signal: AbortSignal.timeout(5_000) });
    expect(health.status).toBe(200);

    const session = await newSession(server.url);
    const socket = connect(server.url, session.cookie);
    try {
      await connected(socket);
      const events = recordEvents(socket);
      const sent = expectOk(
        await request(socket, "send_message", { text: "still there?", clientMessageId: randomUUID() }),
      );
      expect(sent.runs.length).toBeGreaterThan(0);
      for (const run of sent.runs) {
        const terminal = await events.terminalOf(run.messageId);
        expect(terminal).toMatchObject({ finishReason: "stop" });
      }
      expect(events.invalid).toEqual([]);
    } finally {
      socket.disconnect();
    }

    expect(lateAcks).toEqual([]);
    for (const recorder of recorders) expect(recorder.invalid).toEqual([]);
    expect(unexpectedLogLines()).toEqual([]);
  }, 30_000);
});

/** Error-level, fatal and unhandled-rejection lines, each with the inputs sent in the two seconds before it. */
function unexpectedLogLines(): string[] {
  return server.logs
    .filter((entry) =>
      typeof entry === "string"
        ? /error|unhandled|⨯/i.test(entry)
        : Number(entry.level) >= 50 || /unhandled/i.test(String(entry.msg)),
    )
    .map((entry) => {
      if (typeof entry === "string") return entry;
      const at = Date.parse(String(entry.time));
      const before = journal.filter((sent) => sent.at >= at - 2_000 && sent.at <= at + 100);
      return `${JSON.stringify(entry).slice(0, 2_000)}\n  after: ${before.map((sent) => sent.what).join("\n  ")}`;
    });
}
