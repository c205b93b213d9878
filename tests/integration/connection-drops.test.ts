import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatLink } from "@/lib/client/chat-link";
import { type AssistantEntry, type ChatState, chatReducer, initialChatState } from "@/lib/client/state";
import type { FakeGateway } from "../fixtures/fake-gateway";
import { connected, fetchConversation, newSession } from "../helpers/client";
import {
  agentAtWork,
  recordReference,
  runManyWithDrops,
  seededRandom,
  summarize,
  workingAgent,
} from "../helpers/drop-harness";
import { browserLikeSocket } from "../helpers/drop-view";
import { type GatewayServer, startServerWithGateway } from "../helpers/gateway-server";
import type { ExpectedAnswer } from "../helpers/parts-replay";
import type { ServerProcess } from "../helpers/server-process";

const RUNS = 200;
const PARALLEL = 20;
const SEED = Number(process.env.DROP_SEED ?? Date.now() % 1_000_000);
const tokens = Array.from({ length: 16 }, (_, i) => ` d${i}`);

let gateway: FakeGateway;
let server: ServerProcess;
let running: GatewayServer;

beforeAll(async () => {
  running = await startServerWithGateway({ agents: [workingAgent] });
  ({ gateway, server } = running);
  gateway.setDefault(agentAtWork({ tokens, tokenDelayMs: 12 }));
});
afterAll(async () => {
  await running?.stop();
});

describe("answers that reason and call a tool, through random connection cuts", () => {
  it(`apply every event exactly once, in order, in each of ${RUNS} runs`, {
    timeout: 180_000,
  }, async () => {
    const expected: ExpectedAnswer = await recordReference(server.url);
    // Each answer holds all three kinds of event: reasoning, a tool call with its result, and text.
    expect(expected.partsAt.at(-1)).toEqual([
      { type: "reasoning", text: "Two plus three times four: the calculator." },
      {
        type: "tool",
        toolCallId: "call_sum",
        toolName: "calculator",
        state: "output-available",
        input: { expression: "2 + 3 * 4" },
        output: "14",
      },
      { type: "text", text: tokens.join("") },
    ]);
    const sessions = await Promise.all(Array.from({ length: PARALLEL }, () => newSession(server.url)));
    const random = seededRandom(SEED);
    const requestsBefore = gateway.requests.length;
    const started = Date.now();
    const reports = await runManyWithDrops(RUNS, PARALLEL, (run) => ({
      baseUrl: server.url,
      cookie: sessions[run % PARALLEL]?.cookie ?? "",
      run,
      expected,
      random,
    }));
    const summary = summarize(reports);
    // biome-ignore lint/suspicious/noConsole: the delivery figure is this test's report
    console.log(`delivery: ${summary.delivered}/${summary.runs} runs with every event exactly once`);
    // biome-ignore lint/suspicious/noConsole: with the figures behind it, and the seed to replay the run
    console.log(
      JSON.stringify({
        seed: SEED,
        seconds: (Date.now() - started) / 1000,
        cuts: summary.cutsByKind,
        repeatedSends: summary.repeatedSends,
        endedBySnapshot: summary.endedBySnapshot,
        seenStreaming: summary.seenStreaming,
        receivedTwice: summary.receivedTwice,
        ignoredBySeq: summary.ignoredBySeq,
      }),
    );

    expect(summary.failures).toEqual([]);
    expect(summary.delivered).toBe(RUNS);
    // Two upstream requests per message (before and after the tool), although some were sent more than once.
    expect(gateway.requests.length - requestsBefore).toBe(2 * RUNS);
    // The paths that matter were taken: lost acknowledgements, and ends seen live as well as from a snapshot.
    expect(summary.repeatedSends).toBeGreaterThan(0);
    expect(summary.endedBySnapshot).toBeGreaterThan(0);
    expect(summary.endedBySnapshot).toBeLessThan(RUNS);
    // And many answers were checked event by event while they streamed, not only at their end
    // (about 60% of them on an idle machine; fewer when a loaded one stretches the cuts' timing).
    expect(summary.seenStreaming).toBeGreaterThan(RUNS / 5);
    for (const count of Object.values(summary.cutsByKind)) expect(count).toBeGreaterThan(10);
  });
});

describe("a send whose acknowledgement is lost", () => {
  it("goes again under the same clientMessageId once reconnected, and starts one run", async () => {
    const { cookie } = await newSession(server.url);
    const socket = browserLikeSocket(server.url, cookie);
    let state: ChatState = initialChatState({ agentNames: {} });
    const link = new ChatLink({
      socket,
      dispatch: (action) => (state = chatReducer(state, action)),
      target: null,
    });
    const close = link.open();
    await connected(socket);
    let sends = 0;
    socket.onAnyOutgoing((event) => {
      if (event === "send_message") sends += 1;
    });
    // The first acknowledgement is lost with the connection carrying it.
    const internals = socket as unknown as { onack(packet: unknown): void };
    const onack = internals.onack.bind(socket);
    let acks = 0;
    internals.onack = (packet) => {
      acks += 1;
      if (acks === 1) socket.io.engine.close();
      else onack(packet);
    };
    const requestsBefore = gateway.requests.length;

    state = chatReducer(state, {
      type: "local_send",
      clientMessageId: "lost-ack",
      text: "Are you there?",
      agentIds: null,
      createdAt: new Date().toISOString(),
    });
    await link.deliver({ clientMessageId: "lost-ack", text: "Are you there?", agentIds: null });
    const answer = () => state.entries.find((entry): entry is AssistantEntry => entry.kind === "assistant");
    await expect.poll(() => answer()?.phase, { timeout: 10_000 }).toBe("complete");

    expect(sends).toBe(2);
    expect(state.entries.map((entry) => entry.kind)).toEqual(["user", "assistant"]);
    expect(answer()?.text).toBe(tokens.join(""));
    expect(gateway.requests.length - requestsBefore).toBe(2);
    const stored = await fetchConversation(server.url, cookie, state.conversationId ?? "");
    expect(stored.messages.map((message) => [message.role, message.text])).toEqual([
      ["user", "Are you there?"],
      ["assistant", tokens.join("")],
    ]);
    close();
    socket.disconnect();
  });
});
