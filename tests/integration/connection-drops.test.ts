import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatLink } from "@/lib/client/chat-link";
import { type AssistantEntry, type ChatState, chatReducer, initialChatState } from "@/lib/client/state";
import { FakeGateway } from "../fixtures/fake-gateway";
import { connected, fetchConversation, newSession } from "../helpers/client";
import { runManyWithDrops, seededRandom, summarize } from "../helpers/drop-harness";
import { browserLikeSocket } from "../helpers/drop-view";
import { type ServerProcess, startServerProcess } from "../helpers/server-process";

const RUNS = 200;
const PARALLEL = 20;
const SEED = Number(process.env.DROP_SEED ?? Date.now() % 1_000_000);
const tokens = Array.from({ length: 20 }, (_, i) => ` d${i}`);

let gateway: FakeGateway;
let server: ServerProcess;

beforeAll(async () => {
  gateway = await FakeGateway.start();
  gateway.setDefault({ tokens, tokenDelayMs: 12 });
  server = await startServerProcess({ env: { LLM_BASE_URL: gateway.baseUrl, LLM_MODEL: "fake-model" } });
});
afterAll(async () => {
  await server?.stop();
  await gateway?.close();
});

describe("answers through random connection cuts", () => {
  it(`delivers every token exactly once, in order, in each of ${RUNS} runs`, {
    timeout: 180_000,
  }, async () => {
    const sessions = await Promise.all(Array.from({ length: PARALLEL }, () => newSession(server.url)));
    const random = seededRandom(SEED);
    const requestsBefore = gateway.requests.length;
    const started = Date.now();
    const reports = await runManyWithDrops(RUNS, PARALLEL, (run) => ({
      baseUrl: server.url,
      cookie: sessions[run % PARALLEL]?.cookie ?? "",
      run,
      tokens,
      random,
    }));
    const summary = summarize(reports);
    // biome-ignore lint/suspicious/noConsole: the delivery figure is this test's report
    console.log(`delivery: ${summary.delivered}/${summary.runs} runs with every token exactly once`);
    // biome-ignore lint/suspicious/noConsole: with the figures behind it, and the seed to replay the run
    console.log(
      JSON.stringify({
        seed: SEED,
        seconds: (Date.now() - started) / 1000,
        cuts: summary.cutsByKind,
        repeatedSends: summary.repeatedSends,
        endedBySnapshot: summary.endedBySnapshot,
        receivedTwice: summary.receivedTwice,
        ignoredBySeq: summary.ignoredBySeq,
      }),
    );

    expect(summary.failures).toEqual([]);
    expect(summary.delivered).toBe(RUNS);
    // One upstream request per message, although some were sent more than once.
    expect(gateway.requests.length - requestsBefore).toBe(RUNS);
    // The paths that matter were taken: lost acknowledgements, and ends seen live as well as from a snapshot.
    expect(summary.repeatedSends).toBeGreaterThan(0);
    expect(summary.endedBySnapshot).toBeGreaterThan(0);
    expect(summary.endedBySnapshot).toBeLessThan(RUNS);
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
    expect(gateway.requests.length - requestsBefore).toBe(1);
    const stored = await fetchConversation(server.url, cookie, state.conversationId ?? "");
    expect(stored.messages.map((message) => [message.role, message.text])).toEqual([
      ["user", "Are you there?"],
      ["assistant", tokens.join("")],
    ]);
    close();
    socket.disconnect();
  });
});
